<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AgreementBox</name>
    <message>
        <source>Divorce agreement (examined at the counter)</source>
        <translation>离婚协议书（当场审查）</translation>
    </message>
    <message>
        <source>Children (custody, support, visits):</source>
        <translation>子女抚养（直接抚养方、抚养费、探望）：</translation>
    </message>
    <message>
        <source>Division of property:</source>
        <translation>财产分割：</translation>
    </message>
    <message>
        <source>Debts:</source>
        <translation>债务处理：</translation>
    </message>
    <message>
        <source>Other (housing, economic help):</source>
        <translation>其他（住房、经济帮助等）：</translation>
    </message>
    <message>
        <source>Write 无 when there is nothing to arrange</source>
        <translation>没有需要约定的事项时写明“无”</translation>
    </message>
    <message>
        <source>Save the agreement (Alt+S)</source>
        <translation>保存协议（Alt+S）</translation>
    </message>
    <message>
        <source>not saved yet</source>
        <translation>尚未保存</translation>
    </message>
    <message>
        <source>saved</source>
        <translation>已保存</translation>
    </message>
    <message>
        <source>changed: save again (both sign again)</source>
        <translation>已修改：请重新保存（双方须重新签名）</translation>
    </message>
</context>
<context>
    <name>AppError</name>
    <message>
        <source>Unexpected error: {detail}</source>
        <translation>意外错误：{detail}</translation>
    </message>
    <message>
        <source>Invalid configuration in {source}, at {key}: {reason}</source>
        <translation>配置有误：{source} 中的 {key}：{reason}</translation>
    </message>
    <message>
        <source>The identity document is not valid: {reason}</source>
        <translation>证件无效：{reason}</translation>
    </message>
    <message>
        <source>The central marriage registry cannot be reached ({detail}). The case is saved and waits; try again when the network is back.</source>
        <translation>无法连接婚姻登记中心库（{detail}）。案件已保存并等待，网络恢复后请重试。</translation>
    </message>
    <message>
        <source>The central registry shows {person} already in an active marriage.</source>
        <translation>中心库显示 {person} 现有有效婚姻。</translation>
    </message>
    <message>
        <source>Registration {reg_uuid} was already sent with different content; it was not changed. Contact IT support.</source>
        <translation>登记 {reg_uuid} 此前已以不同内容提交，中心库未作更改。请联系信息技术支持。</translation>
    </message>
    <message>
        <source>This central registry is a production registry and refuses registrations captured with simulated devices.</source>
        <translation>该中心库为正式生产库，拒收使用模拟设备采集的登记。</translation>
    </message>
    <message>
        <source>The counter&apos;s local database failed: {detail}</source>
        <translation>本机数据库出错：{detail}</translation>
    </message>
    <message>
        <source>The database {database} could not be upgraded to schema {target} ({detail}). It was restored from the backup to schema {revision}: nothing was lost. The backup is kept at {backup}. Contact IT support.</source>
        <translation>数据库 {database} 无法升级到结构版本 {target}（{detail}），已从备份恢复到版本 {revision}，数据没有丢失。备份保存在 {backup}。请联系信息技术人员。</translation>
    </message>
    <message>
        <source>The database {database} could not be upgraded to schema {target} ({detail}), and restoring its backup failed too ({restore_detail}). Stop using this counter: IT must restore the backup {backup} with the program closed.</source>
        <translation>数据库 {database} 无法升级到结构版本 {target}（{detail}），用备份恢复也失败了（{restore_detail}）。请停止使用本柜台：须由信息技术人员在程序关闭时用备份 {backup} 恢复。</translation>
    </message>
    <message>
        <source>The protected value {field} of case {case_id} cannot be decrypted: it was changed, damaged or copied from another case or field outside the program. The case cannot be opened; contact IT support (the local store&apos;s backup holds the original).</source>
        <translation>案件 {case_id} 的受保护数据 {field} 无法解密：它在程序之外被修改、损坏，或是从其他案件、其他字段复制而来。该案件无法打开，请联系信息技术人员（本机库的备份中有原始数据）。</translation>
    </message>
    <message>
        <source>The key store {key_store} is not available: {detail}. The counter&apos;s data stays encrypted and unread. Contact IT support: check [security] key_store in the configuration.</source>
        <translation>密钥库 {key_store} 不可用：{detail}。柜台数据保持加密，未被读取。请联系信息技术人员检查配置中的 [security] key_store。</translation>
    </message>
    <message>
        <source>The key {key} is refused: {reason}. Contact IT support; do not delete it.</source>
        <translation>密钥 {key} 被拒绝使用：{reason}。请联系信息技术人员，不要删除该密钥。</translation>
    </message>
    <message>
        <source>The local database {database} cannot be opened with the key from {key_store} ({detail}). The key store is wrong or missing: this database was encrypted with another key. Contact IT support; do not delete anything.</source>
        <translation>无法用 {key_store} 中的密钥打开本机数据库 {database}（{detail}）。密钥库有误或缺失：该数据库是用另一把密钥加密的。请联系信息技术人员，不要删除任何文件。</translation>
    </message>
    <message>
        <source>This step cannot be done now: {reason}</source>
        <translation>当前不能执行此步骤：{reason}</translation>
    </message>
    <message>
        <source>The central marriage registry rejected the registration ({detail}). Nothing was registered. Contact IT support.</source>
        <translation>婚姻登记中心库拒绝了本次登记（{detail}），未作任何登记。请联系信息技术支持。</translation>
    </message>
    <message>
        <source>The forms could not be written or printed: {detail}. The registration itself is saved.</source>
        <translation>表格未能生成或打印：{detail}。登记本身已保存。</translation>
    </message>
    <message>
        <source>Invalid case file, at {key}: {reason}</source>
        <translation>案件文件有误，位置 {key}：{reason}</translation>
    </message>
    <message>
        <source>A local archive file no longer matches its recorded SHA-256 ({detail}); it was not sent. Contact IT support: the local copy is kept.</source>
        <translation>本机档案文件与登记的 SHA-256 不一致（{detail}），未上传。请联系信息技术支持，本机副本已保留。</translation>
    </message>
    <message>
        <source>The central marriage registry&apos;s TLS certificate could not be verified ({detail}). Nothing was sent and the case waits. IT checks [central] url: sslrootcert must be the registry&apos;s CA certificate and the host must be the name in the server&apos;s certificate.</source>
        <translation>无法验证婚姻登记中心库的 TLS 证书（{detail}），未发送任何数据，案件保存等待。请信息技术人员检查 [central] url：sslrootcert 必须是中心库的 CA 证书，主机名必须与服务器证书中的名称一致。</translation>
    </message>
    <message>
        <source>The central registry refused the electronic archive of registration {reg_uuid}: {reason}. Nothing of it was stored; the counter keeps its copy. Contact IT support.</source>
        <translation>中心库拒收登记 {reg_uuid} 的电子档案：{reason}。档案未保存任何内容，柜台保留本机副本。请联系信息技术支持。</translation>
    </message>
    <message>
        <source>The central registry does not know signing key {key_id} of counter {counter_id}: the archive was not stored and will be sent again. If the counter&apos;s key was renewed, IT revokes the old one (marriage-counter central revoke-key {counter_id}).</source>
        <translation>中心库中没有柜台 {counter_id} 的签名密钥 {key_id}：档案未保存，稍后将重新发送。如该柜台的密钥已更换，请信息技术人员吊销旧密钥（marriage-counter central revoke-key {counter_id}）。</translation>
    </message>
    <message>
        <source>The signing key of counter {counter_id} cannot be registered: {reason}. Its archives wait. Contact IT support.</source>
        <translation>柜台 {counter_id} 的签名密钥无法登记：{reason}。其电子档案暂缓上传。请联系信息技术支持。</translation>
    </message>
    <message>
        <source>The operator ID or the secret is wrong.</source>
        <translation>操作员编号或密码错误。</translation>
    </message>
    <message>
        <source>Too many failed attempts: this operator ID is locked at this counter until {until}. Wait, or ask IT to check the account.</source>
        <translation>失败次数过多：该操作员编号在本柜台被锁定至 {until}。请等待，或请信息技术人员检查该账户。</translation>
    </message>
    <message>
        <source>The training certificate of operator {operator_id} is not valid on {day} ({valid_until}): cases may be opened and reviewed, not registered. IT records the renewed training.</source>
        <translation>操作员 {operator_id} 的培训合格证在 {day} 不在有效期内（{valid_until}）：可以打开和审查案件，不能办理登记。请信息技术人员录入新的培训记录。</translation>
    </message>
    <message>
        <source>Operator {operator_id} may not do this: {reason}</source>
        <translation>操作员 {operator_id} 无权执行此操作：{reason}</translation>
    </message>
    <message>
        <source>The second factor (USB key / certificate) is missing or not accepted: {detail}</source>
        <translation>第二认证因素（USB 密钥/证书）缺失或未通过：{detail}</translation>
    </message>
    <message>
        <source>No operator is logged in at this counter (or it is locked): log in first.</source>
        <translation>本柜台无人登录（或已锁定）：请先登录。</translation>
    </message>
    <message>
        <source>This counter runs on simulated devices, but its data folder {data_dir} holds {count} case(s) captured on real devices. A simulated counter never opens real cases: start the simulation with another data folder (MARRIAGE_COUNTER_DATA_DIR), or start this counter without --simulate and without sim: devices.</source>
        <translation>本柜台使用模拟设备运行，但其数据目录 {data_dir} 中有 {count} 个在真实设备上采集的案件。模拟柜台不得打开真实案件：请使用另一个数据目录启动模拟（MARRIAGE_COUNTER_DATA_DIR），或不带 --simulate 且不配置 sim: 设备启动本柜台。</translation>
    </message>
    <message>
        <source>The embedded central store {database} cannot be opened with the key from {key_store} ({detail}). It was encrypted with another key: the key store is wrong or missing. Contact IT support; do not delete anything.</source>
        <translation>无法用 {key_store} 中的密钥打开内置中心库 {database}（{detail}）。该库是用另一把密钥加密的：密钥库有误或缺失。请联系信息技术人员，不要删除任何文件。</translation>
    </message>
    <message>
        <source>The counter&apos;s keys are no longer in {key_store}: {note}. Contact IT support: [security] key_store in the configuration must name the key store the keys were moved to.</source>
        <translation>柜台密钥已不在 {key_store} 中：{note}。请联系信息技术人员：配置中的 [security] key_store 须改为密钥迁入的密钥库。</translation>
    </message>
</context>
<context>
    <name>BusinessPage</name>
    <message>
        <source>Refused. The notice gives the parties these grounds:</source>
        <translation>已不予办理。告知书向当事人载明以下理由：</translation>
    </message>
    <message>
        <source>Case closed unfinished. Nothing was committed for it.</source>
        <translation>案件未办结即关闭，未向中心库提交任何内容。</translation>
    </message>
    <message>
        <source>Waiting for the central registry: {reason}</source>
        <translation>等待婚姻登记中心库：{reason}</translation>
    </message>
    <message>
        <source>The case is saved; press F12 to send it again.</source>
        <translation>案件已保存；按 F12 重新提交。</translation>
    </message>
    <message>
        <source>Grounds for refusal: explain them to the parties; Ctrl+Shift+R refuses and prints the notice.</source>
        <translation>存在不予办理的情形：请向当事人说明；按 Ctrl+Shift+R 不予办理并打印告知书。</translation>
    </message>
    <message>
        <source>Please come back between {start} and {end}.</source>
        <translation>请于 {start} 至 {end} 期间再来。</translation>
    </message>
    <message>
        <source>Press Ctrl+P to print the forms and finish.</source>
        <translation>按 Ctrl+P 打印文书并办结。</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>待办</translation>
    </message>
    <message>
        <source>withdrawn</source>
        <translation>已撤回</translation>
    </message>
    <message>
        <source>registered</source>
        <translation>已登记</translation>
    </message>
    <message>
        <source>deemed withdrawn</source>
        <translation>视为撤回</translation>
    </message>
    <message>
        <source>Receipt {number}: received on {date} by office {office}; status: {status}</source>
        <translation>回执编号 {number}：{date} 由登记机关 {office} 受理；状态：{status}</translation>
    </message>
    <message>
        <source>Marriage certificate {number}, registered on {date} at office {office}</source>
        <translation>结婚证字号 {number}，{date} 在登记机关 {office} 登记</translation>
    </message>
    <message>
        <source>Spouses: {names}</source>
        <translation>双方当事人：{names}</translation>
    </message>
    <message>
        <source>Status: in force</source>
        <translation>状态：婚姻关系存续</translation>
    </message>
    <message>
        <source>Status: dissolved (divorce certificate {number}, {date}, office {office})</source>
        <translation>状态：婚姻关系已解除（离婚证字号 {number}，{date}，登记机关 {office}）</translation>
    </message>
    <message>
        <source>Forms kept with the case (Ctrl+Shift+E exports them): {forms}</source>
        <translation>文书已随案件保存（Ctrl+Shift+E 导出）：{forms}</translation>
    </message>
    <message>
        <source>Ctrl+Shift+V voids a misprinted certificate blank and prints it again.</source>
        <translation>Ctrl+Shift+V：作废打印有误的证书空白并重新打印。</translation>
    </message>
</context>
<context>
    <name>CameraPreview</name>
    <message>
        <source>camera {camera:.0f} fps · preview {preview:.0f} fps</source>
        <translation>摄像头 {camera:.0f} 帧/秒 · 预览 {preview:.0f} 帧/秒</translation>
    </message>
</context>
<context>
    <name>DatesBox</name>
    <message>
        <source>Dates (counted with the holiday calendar)</source>
        <translation>期间（按节假日安排计算）</translation>
    </message>
    <message>
        <source>If the application is accepted today:</source>
        <translation>如今日受理：</translation>
    </message>
    <message>
        <source>Received (T0): {date}</source>
        <translation>受理日期：{date}</translation>
    </message>
    <message>
        <source>Cooling-off period ends: {date} (either party may withdraw until then, inclusive)</source>
        <translation>冷静期届满：{date}（含当日，期间内任何一方可撤回申请）</translation>
    </message>
    <message>
        <source>Issue window: {start} to {end} (both parties together, at the accepting office)</source>
        <translation>申请发证期：{start} 至 {end}（双方共同到受理机关办理）</translation>
    </message>
</context>
<context>
    <name>DeclarationPanel</name>
    <message>
        <source>Sign on the pad ({key})</source>
        <translation>在签批屏上签名（{key}）</translation>
    </message>
</context>
<context>
    <name>DeclarationsPage</name>
    <message>
        <source>3. Declarations: each party reads and signs in front of the registrar</source>
        <translation>3. 声明：当事人在登记员面前宣读并签署声明书</translation>
    </message>
    <message>
        <source>Party A</source>
        <translation>当事人甲</translation>
    </message>
    <message>
        <source>Party B</source>
        <translation>当事人乙</translation>
    </message>
    <message>
        <source>I asked each party separately: both wish to marry of their own free will (Alt+V)</source>
        <translation>已分别询问双方结婚意愿，双方完全自愿（Alt+V）</translation>
    </message>
    <message>
        <source>A party does not wish to marry freely (Alt+U)</source>
        <translation>当事人并非完全自愿（Alt+U）</translation>
    </message>
</context>
<context>
    <name>DeviceError</name>
    <message>
        <source>The device reported an error: {detail}</source>
        <translation>设备报告错误：{detail}</translation>
    </message>
    <message>
        <source>The device is not connected or not available: {detail}</source>
        <translation>设备未连接或不可用：{detail}</translation>
    </message>
    <message>
        <source>The device did not answer within {seconds} s.</source>
        <translation>设备在 {seconds} 秒内无响应。</translation>
    </message>
    <message>
        <source>The device is busy with another operation.</source>
        <translation>设备正忙于其他操作。</translation>
    </message>
    <message>
        <source>No ID card on the reader. Place the card flat on the reader.</source>
        <translation>阅读器上没有身份证，请将证件平放在阅读器上。</translation>
    </message>
    <message>
        <source>The card was removed while it was being read. Place it on the reader again.</source>
        <translation>读卡过程中证件被移开，请重新放置证件。</translation>
    </message>
    <message>
        <source>The device sent data that could not be read: {detail}</source>
        <translation>设备返回的数据无法识别：{detail}</translation>
    </message>
    <message>
        <source>The captured image is not usable: {detail}</source>
        <translation>采集的图像不可用：{detail}</translation>
    </message>
    <message>
        <source>The signature was not completed: {detail}</source>
        <translation>签名未完成：{detail}</translation>
    </message>
    <message>
        <source>Invalid scenario file {file}, at {key}: {reason}</source>
        <translation>模拟场景文件 {file} 有误，位置 {key}：{reason}</translation>
    </message>
    <message>
        <source>Invalid device setting {spec!r} for {kind}: {reason}</source>
        <translation>{kind} 的设备设置 {spec!r} 有误：{reason}</translation>
    </message>
    <message>
        <source>The printer is out of paper. Load paper and print again.</source>
        <translation>打印机缺纸，请装纸后重新打印。</translation>
    </message>
    <message>
        <source>Paper is jammed in the printer ({detail}). Clear the jam and print again.</source>
        <translation>打印机卡纸（{detail}），请清除卡纸后重新打印。</translation>
    </message>
    <message>
        <source>The passport chip can only be read with the machine-readable zone (MRZ) of the document: scan or type the MRZ lines, then read again.</source>
        <translation>护照芯片须凭证件的机读区（MRZ）才能读取：请扫描或输入机读区各行后重新读取。</translation>
    </message>
    <message>
        <source>The machine-readable zone (MRZ) is not valid: {detail}</source>
        <translation>机读区（MRZ）无效：{detail}</translation>
    </message>
    <message>
        <source>The passport chip refused access: the MRZ does not match this document. Check the document number, date of birth and date of expiry, then read again.</source>
        <translation>护照芯片拒绝访问：机读区与该证件不符。请核对证件号码、出生日期和有效期至，然后重新读取。</translation>
    </message>
    <message>
        <source>The card on the reader is not a passport chip this reader can read: {detail}</source>
        <translation>阅读器上的卡片不是本阅读器可读取的护照芯片：{detail}</translation>
    </message>
    <message>
        <source>The reader received a damaged message ({detail}). Check the reader&apos;s cable and try again.</source>
        <translation>阅读器收到的报文损坏（{detail}），请检查阅读器连线后重试。</translation>
    </message>
    <message>
        <source>The card on the reader is not an identity card the reader can read. Place the holder&apos;s ID card on it.</source>
        <translation>阅读器上的卡片不是可读取的身份证件，请放上持证人的身份证件。</translation>
    </message>
    <message>
        <source>The card failed the reader&apos;s security check ({detail}). Place it on the reader again; if this repeats, the card may be damaged or not genuine: check it by hand.</source>
        <translation>卡片未通过阅读器安全认证（{detail}），请重新放置；如反复出现，证件可能损坏或非真实证件，请人工核验。</translation>
    </message>
    <message>
        <source>No new card on the reader: take off the card just read if it is still there, then place the next card.</source>
        <translation>阅读器上没有新的卡片：如刚读取的卡片仍在阅读器上，请取下后再放上下一张卡片。</translation>
    </message>
    <message>
        <source>The face check is not installed: install the &apos;face&apos; extra (pip install &apos;marriage-counter[face]&apos;); missing: {detail}</source>
        <translation>未安装人脸比对组件：请安装 &apos;face&apos; 扩展（pip install &apos;marriage-counter[face]&apos;）；缺少：{detail}</translation>
    </message>
    <message>
        <source>No face was found in the live image of the person at the counter ({detail}). Ask them to look straight at the camera, without a hat, mask or sunglasses, and capture again.</source>
        <translation>现场照片中未检测到人脸（{detail}）。请当事人正对摄像头，摘下帽子、口罩或墨镜后重新拍摄。</translation>
    </message>
    <message>
        <source>No face was found in the document photo ({detail}). Read the document again; if its photo stays unusable, check the person against the document by eye.</source>
        <translation>证件照片中未检测到人脸（{detail}）。请重新读取证件；如照片仍无法使用，请人工核对本人与证件。</translation>
    </message>
</context>
<context>
    <name>DeviceStatus</name>
    <message>
        <source>No passport on the reader</source>
        <translation>阅读器上没有护照</translation>
    </message>
    <message>
        <source>The card on the reader does not answer: lay it down again</source>
        <translation>阅读器上的卡片无响应，请重新放置</translation>
    </message>
    <message>
        <source>No PC/SC card reader is connected</source>
        <translation>未连接 PC/SC 读卡器</translation>
    </message>
    <message>
        <source>The PC/SC service is not running (pcscd on Linux, Smart Card service on Windows)</source>
        <translation>PC/SC 服务未运行（Linux 上为 pcscd，Windows 上为 Smart Card 服务）</translation>
    </message>
</context>
<context>
    <name>DiagnosticsPanel</name>
    <message>
        <source>Not checked yet.</source>
        <translation>尚未检查。</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Run self-tests</source>
        <translation>运行自检</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>用时</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Self-tests</source>
        <translation>自检</translation>
    </message>
    <message>
        <source>Versions and services</source>
        <translation>版本与系统服务</translation>
    </message>
    <message>
        <source>Checking the devices…</source>
        <translation>正在检查设备…</translation>
    </message>
    <message>
        <source>Running the self-tests…</source>
        <translation>正在运行自检…</translation>
    </message>
    <message>
        <source>ID card reader</source>
        <translation>身份证阅读器</translation>
    </message>
    <message>
        <source>Document camera</source>
        <translation>高拍仪</translation>
    </message>
    <message>
        <source>Signature pad</source>
        <translation>签批屏</translation>
    </message>
    <message>
        <source>Barcode decoder</source>
        <translation>条码识别</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <source>Fingerprint scanner</source>
        <translation>指纹仪</translation>
    </message>
    <message>
        <source>not configured</source>
        <translation>未配置</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <source>not ready</source>
        <translation>未就绪</translation>
    </message>
    <message>
        <source>unavailable</source>
        <translation>不可用</translation>
    </message>
    <message>
        <source> (simulated)</source>
        <translation>（模拟）</translation>
    </message>
    <message>
        <source>passed</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>未通过</translation>
    </message>
    <message>
        <source>skipped</source>
        <translation>跳过</translation>
    </message>
    <message>
        <source>Devices not available: {count}</source>
        <translation>不可用的设备：{count}</translation>
    </message>
    <message>
        <source>All configured devices are available.</source>
        <translation>所有已配置的设备均可用。</translation>
    </message>
    <message>
        <source>Self-tests failed: {count}</source>
        <translation>自检未通过：{count}</translation>
    </message>
    <message>
        <source>All self-tests passed.</source>
        <translation>全部自检通过。</translation>
    </message>
    <message>
        <source>Also exercise simulated devices (uses up armed faults)</source>
        <translation>同时实测模拟设备（会消耗已设置的故障）</translation>
    </message>
</context>
<context>
    <name>DivorceApplicationPage</name>
    <message>
        <source>Divorce application (first visit): both spouses in person</source>
        <translation>离婚登记申请（第一次到场）：双方亲自到场</translation>
    </message>
    <message>
        <source>Party A</source>
        <translation>当事人甲</translation>
    </message>
    <message>
        <source>Party B</source>
        <translation>当事人乙</translation>
    </message>
    <message>
        <source>Marriage on record (found from the cards)</source>
        <translation>婚姻登记档案（按证件自动查找）</translation>
    </message>
    <message>
        <source>Not found? Type the marriage certificate number (e.g. J110101-2026-000001), then Enter</source>
        <translation>未找到？输入结婚证字号（如 J110101-2026-000001）后按回车</translation>
    </message>
    <message>
        <source>Find marriage (Enter)</source>
        <translation>查找婚姻登记（回车）</translation>
    </message>
    <message>
        <source>Marriage certificates brought</source>
        <translation>提交的结婚证</translation>
    </message>
    <message>
        <source>Both certificates (Alt+1)</source>
        <translation>双方结婚证（Alt+1）</translation>
    </message>
    <message>
        <source>One lost: loss statement (Alt+2)</source>
        <translation>遗失一本：书面声明（Alt+2）</translation>
    </message>
    <message>
        <source>Both lost: statement and archive copy (Alt+3)</source>
        <translation>均已遗失：书面声明及档案复印件（Alt+3）</translation>
    </message>
    <message>
        <source>Certificates and statements (camera)</source>
        <translation>结婚证及声明材料（高拍仪）</translation>
    </message>
    <message>
        <source>Registrar&apos;s findings on asking both parties</source>
        <translation>登记员询问双方后的认定</translation>
    </message>
    <message>
        <source>Both wish to divorce of their own free will (Alt+I):</source>
        <translation>双方自愿离婚（Alt+I）：</translation>
    </message>
    <message>
        <source>Both have full civil capacity (Alt+C):</source>
        <translation>双方均具有完全民事行为能力（Alt+C）：</translation>
    </message>
    <message>
        <source>Signatures on the application form (read on the pad, signed in front of the registrar)</source>
        <translation>离婚登记申请书签名（在签批屏上阅读，当着登记员签名）</translation>
    </message>
    <message>
        <source>Party {role} signs on the pad ({key})</source>
        <translation>当事人{role}在签批屏上签名（{key}）</translation>
    </message>
    <message>
        <source>not recorded yet</source>
        <translation>尚未记录</translation>
    </message>
    <message>
        <source>confirmed</source>
        <translation>已确认</translation>
    </message>
    <message>
        <source>denied</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Accept the application (F12)</source>
        <translation>受理申请（F12）</translation>
    </message>
    <message>
        <source>Print the application form and the receipt, finish (Ctrl+P)</source>
        <translation>打印申请书和受理回执单并办结（Ctrl+P）</translation>
    </message>
    <message>
        <source>Application accepted. Receipt number {number}</source>
        <translation>申请已受理。回执编号 {number}</translation>
    </message>
    <message>
        <source>Identify</source>
        <translation>核验身份</translation>
    </message>
    <message>
        <source>Marriage on record</source>
        <translation>查档</translation>
    </message>
    <message>
        <source>Certificates</source>
        <translation>结婚证</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>询问认定</translation>
    </message>
    <message>
        <source>Signatures</source>
        <translation>签名</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>回执单</translation>
    </message>
    <message>
        <source>Not found yet: read both cards, or type the certificate number.</source>
        <translation>尚未找到：请读取双方证件，或输入结婚证字号。</translation>
    </message>
    <message>
        <source>Receipt number: {number}</source>
        <translation>回执编号：{number}</translation>
    </message>
</context>
<context>
    <name>DivorceRegistrationPage</name>
    <message>
        <source>Divorce registration (second visit): both spouses together</source>
        <translation>离婚登记（第二次到场）：双方共同到场</translation>
    </message>
    <message>
        <source>Party A</source>
        <translation>当事人甲</translation>
    </message>
    <message>
        <source>Party B</source>
        <translation>当事人乙</translation>
    </message>
    <message>
        <source>Interview of party A, asked separately</source>
        <translation>询问当事人甲（单独询问）</translation>
    </message>
    <message>
        <source>Interview of party B, asked separately</source>
        <translation>询问当事人乙（单独询问）</translation>
    </message>
    <message>
        <source>Signatures in front of the registrar</source>
        <translation>当着登记员签名</translation>
    </message>
    <message>
        <source>Form to sign:</source>
        <translation>签署文书：</translation>
    </message>
    <message>
        <source>Party {role} signs the selected form ({key})</source>
        <translation>当事人{role}签署所选文书（{key}）</translation>
    </message>
    <message>
        <source>Party {role}</source>
        <translation>当事人{role}</translation>
    </message>
    <message>
        <source>Application and marriage on record</source>
        <translation>离婚登记申请及婚姻登记档案</translation>
    </message>
    <message>
        <source>Register the divorce (F12)</source>
        <translation>办理离婚登记（F12）</translation>
    </message>
    <message>
        <source>Print the certificates and forms, finish (Ctrl+P)</source>
        <translation>打印离婚证及文书并办结（Ctrl+P）</translation>
    </message>
    <message>
        <source>Divorce registered. Divorce certificate number {number}</source>
        <translation>离婚登记已完成。离婚证字号 {number}</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>回执单</translation>
    </message>
    <message>
        <source>Identify</source>
        <translation>核验身份</translation>
    </message>
    <message>
        <source>Interviews</source>
        <translation>询问</translation>
    </message>
    <message>
        <source>Agreement</source>
        <translation>离婚协议</translation>
    </message>
    <message>
        <source>Signatures</source>
        <translation>签名</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>登记</translation>
    </message>
    <message>
        <source>Certificates</source>
        <translation>发证</translation>
    </message>
    <message>
        <source>Scan the receipt (F4) or type its number.</source>
        <translation>请扫描回执单（F4）或输入回执编号。</translation>
    </message>
    <message>
        <source>Divorce certificate number: {number}</source>
        <translation>离婚证字号：{number}</translation>
    </message>
    <message>
        <source>Marriage certificate and other materials (camera)</source>
        <translation>结婚证及其他材料（高拍仪）</translation>
    </message>
</context>
<context>
    <name>DivorceWithdrawalPage</name>
    <message>
        <source>Withdrawal of a divorce application: the withdrawing spouse in person</source>
        <translation>撤回离婚登记申请：撤回方本人到场</translation>
    </message>
    <message>
        <source>Application and marriage on record</source>
        <translation>离婚登记申请及婚姻登记档案</translation>
    </message>
    <message>
        <source>Withdrawing party (either spouse)</source>
        <translation>撤回申请人（任何一方）</translation>
    </message>
    <message>
        <source>Signature on the withdrawal form</source>
        <translation>撤回离婚登记申请书签名</translation>
    </message>
    <message>
        <source>The withdrawing party signs on the pad (F7)</source>
        <translation>撤回申请人在签批屏上签名（F7）</translation>
    </message>
    <message>
        <source>Withdraw the application (F12)</source>
        <translation>撤回申请（F12）</translation>
    </message>
    <message>
        <source>Print the withdrawal form and the confirmation, finish (Ctrl+P)</source>
        <translation>打印撤回申请书和确认单并办结（Ctrl+P）</translation>
    </message>
    <message>
        <source>Application {number} withdrawn on {date}.</source>
        <translation>回执编号 {number} 的申请已于 {date} 撤回。</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>回执单</translation>
    </message>
    <message>
        <source>Identify</source>
        <translation>核验身份</translation>
    </message>
    <message>
        <source>Signature</source>
        <translation>签名</translation>
    </message>
    <message>
        <source>Withdraw</source>
        <translation>撤回</translation>
    </message>
    <message>
        <source>Confirmation</source>
        <translation>确认单</translation>
    </message>
    <message>
        <source>Scan the receipt (F4) or type its number.</source>
        <translation>请扫描回执单（F4）或输入回执编号。</translation>
    </message>
</context>
<context>
    <name>DocumentCaptureDialog</name>
    <message>
        <source>Document camera</source>
        <translation>高拍仪</translation>
    </message>
    <message>
        <source>Auto-capture</source>
        <translation>自动拍摄</translation>
    </message>
    <message>
        <source>Capture (Space)</source>
        <translation>拍摄（空格）</translation>
    </message>
    <message>
        <source>Retake (Esc)</source>
        <translation>重拍（Esc）</translation>
    </message>
    <message>
        <source>Use this image (Enter)</source>
        <translation>使用此图像（回车）</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Document class:</source>
        <translation>材料类别：</translation>
    </message>
    <message>
        <source>ID card, front</source>
        <translation>身份证正面</translation>
    </message>
    <message>
        <source>ID card, back</source>
        <translation>身份证背面</translation>
    </message>
    <message>
        <source>Marriage certificate</source>
        <translation>结婚证</translation>
    </message>
    <message>
        <source>Household register (hukou) page</source>
        <translation>户口簿页</translation>
    </message>
    <message>
        <source>Residence permit</source>
        <translation>居住证</translation>
    </message>
    <message>
        <source>Agreement</source>
        <translation>协议书</translation>
    </message>
    <message>
        <source>Joint photo</source>
        <translation>双方合影</translation>
    </message>
    <message>
        <source>Single photo</source>
        <translation>单人照片</translation>
    </message>
    <message>
        <source>Statement of loss</source>
        <translation>遗失声明</translation>
    </message>
    <message>
        <source>Certified archive copy</source>
        <translation>婚姻登记档案复印件</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>回执单</translation>
    </message>
    <message>
        <source>Live face</source>
        <translation>现场人像</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>No picture from the camera yet: check that it is connected and switched on, then press Space again.</source>
        <translation>摄像头尚无画面：请检查高拍仪是否已连接并打开，然后再按空格。</translation>
    </message>
    <message>
        <source>The captured image could not be made ({detail}). Press Space to try again.</source>
        <translation>未能生成拍摄图像（{detail}）。请按空格重试。</translation>
    </message>
    <message>
        <source>Waiting for the camera…</source>
        <translation>正在等待摄像头…</translation>
    </message>
    <message>
        <source>Camera unavailable: {reason}</source>
        <translation>摄像头不可用：{reason}</translation>
    </message>
    <message>
        <source>Reconnecting…</source>
        <translation>正在重新连接…</translation>
    </message>
    <message>
        <source>No picture from the camera for {seconds} s.</source>
        <translation>摄像头已 {seconds} 秒没有画面。</translation>
    </message>
    <message>
        <source>Check the image and its class. Enter keeps it, Esc discards it and captures again.</source>
        <translation>请核对图像及其类别。回车保存，Esc 放弃并重拍。</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Place the document under the camera and press Space to capture.</source>
        <translation>请将材料放在高拍仪下，按空格拍摄。</translation>
    </message>
    <message>
        <source>Hold still…</source>
        <translation>请保持不动…</translation>
    </message>
    <message>
        <source>Captured. Place the next document, or press Space to capture again.</source>
        <translation>已拍摄。请放下一份材料，或按空格再拍一次。</translation>
    </message>
    <message>
        <source>Lay the document flat and hold it still.</source>
        <translation>请将材料放平并保持不动。</translation>
    </message>
    <message>
        <source>Place the document under the camera: it is captured when it lies still (Space: now).</source>
        <translation>请将材料放在高拍仪下：放稳后自动拍摄（空格：立即拍摄）。</translation>
    </message>
</context>
<context>
    <name>DocumentsBox</name>
    <message>
        <source>Capture with the camera (F5)</source>
        <translation>高拍仪拍摄（F5）</translation>
    </message>
    <message>
        <source>Remove selected (Del)</source>
        <translation>删除所选（Del）</translation>
    </message>
    <message>
        <source>Document type:</source>
        <translation>材料类型：</translation>
    </message>
</context>
<context>
    <name>DocumentsPage</name>
    <message>
        <source>2. Documents: the couple&apos;s joint photo and supporting documents</source>
        <translation>2. 材料：双方合影照片及证明材料</translation>
    </message>
    <message>
        <source>Capture joint photo (F5)</source>
        <translation>拍摄合影（F5）</translation>
    </message>
    <message>
        <source>Capture document (F6)</source>
        <translation>拍摄材料（F6）</translation>
    </message>
    <message>
        <source>Remove selected (Del)</source>
        <translation>删除所选（Del）</translation>
    </message>
    <message>
        <source>Document type:</source>
        <translation>材料类型：</translation>
    </message>
</context>
<context>
    <name>DonePage</name>
    <message>
        <source>Next couple: new case (Ctrl+N)</source>
        <translation>下一对：新建案件（Ctrl+N）</translation>
    </message>
    <message>
        <source>Registration refused</source>
        <translation>不予登记</translation>
    </message>
    <message>
        <source>The registration was refused for the reasons below. Tell the parties why.</source>
        <translation>因以下原因不予登记，请向当事人说明理由。</translation>
    </message>
    <message>
        <source>Registration complete</source>
        <translation>登记完成</translation>
    </message>
    <message>
        <source>Certificate number {number}. Hand one certificate to each party.</source>
        <translation>结婚证字号 {number}。请向双方各颁发一本结婚证。</translation>
    </message>
    <message>
        <source>Case closed unfinished</source>
        <translation>案件已中止</translation>
    </message>
    <message>
        <source>Nothing was registered. The captured data is kept.</source>
        <translation>未作任何登记，已采集的材料均已保存。</translation>
    </message>
    <message>
        <source>The printed forms are kept with the case: Ctrl+Shift+E exports them; Ctrl+Shift+V voids a misprinted certificate blank and prints it again.</source>
        <translation>已打印的文书随案件保存：Ctrl+Shift+E 导出；Ctrl+Shift+V 作废打印有误的证书空白并重新打印。</translation>
    </message>
</context>
<context>
    <name>ErrorBar</name>
    <message>
        <source>Dismiss (Esc)</source>
        <translation>关闭（Esc）</translation>
    </message>
    <message>
        <source>Retry (Ctrl+Enter)</source>
        <translation>重试 (Ctrl+Enter)</translation>
    </message>
</context>
<context>
    <name>FaceCheck</name>
    <message>
        <source>distance {distance:.2f}, threshold {threshold:.2f}</source>
        <translation>差异 {distance:.2f}，阈值 {threshold:.2f}</translation>
    </message>
    <message>
        <source>no comparison</source>
        <translation>未进行比对</translation>
    </message>
    <message>
        <source>Face check: approved by {supervisor} ({measured})</source>
        <translation>人证核验：经主管{supervisor}核实放行（{measured}）</translation>
    </message>
    <message>
        <source>Face check: same person ({measured})</source>
        <translation>人证核验：同一人（{measured}）</translation>
    </message>
    <message>
        <source>Face check: NOT the same person ({measured})</source>
        <translation>人证核验：不是同一人（{measured}）</translation>
    </message>
</context>
<context>
    <name>FaceCheckRow</name>
    <message>
        <source>Face check ({key})</source>
        <translation>人脸比对（{key}）</translation>
    </message>
    <message>
        <source>Supervisor approval…</source>
        <translation>主管核实放行…</translation>
    </message>
    <message>
        <source>Face check: not done</source>
        <translation>人证核验：未进行</translation>
    </message>
</context>
<context>
    <name>FaceOverrideDialog</name>
    <message>
        <source>Face check: supervisor approval</source>
        <translation>人证核验：主管核实放行</translation>
    </message>
    <message>
        <source>Document photo</source>
        <translation>证件照片</translation>
    </message>
    <message>
        <source>Live image</source>
        <translation>现场人像</translation>
    </message>
    <message>
        <source>Face check: not done</source>
        <translation>人证核验：未进行</translation>
    </message>
    <message>
        <source>Why the registrar and the supervisor are satisfied this is the person on the document (e.g. the photo is old; checked against the household register)</source>
        <translation>登记员和主管确认为证件本人的理由（例如：证件照片拍摄年代久远，已核对户口簿）</translation>
    </message>
</context>
<context>
    <name>IdentifyPage</name>
    <message>
        <source>1. Identify both parties: place each ID card on the reader</source>
        <translation>1. 核验身份：请依次将双方身份证放在阅读器上</translation>
    </message>
    <message>
        <source>Party A</source>
        <translation>当事人甲</translation>
    </message>
    <message>
        <source>Party B</source>
        <translation>当事人乙</translation>
    </message>
    <message>
        <source>Checks:</source>
        <translation>核验结果：</translation>
    </message>
    <message>
        <source>Check central registry again (F4)</source>
        <translation>重新联网核对（F4）</translation>
    </message>
</context>
<context>
    <name>InterviewBox</name>
    <message>
        <source>Wishes to divorce of their own free will</source>
        <translation>本人自愿离婚</translation>
    </message>
    <message>
        <source>Agrees with the divorce agreement and signs it voluntarily</source>
        <translation>对离婚协议无异议，自愿签署</translation>
    </message>
    <message>
        <source>Anything else the party said (optional)</source>
        <translation>当事人的其他陈述（可选）</translation>
    </message>
    <message>
        <source>Record this interview ({key})</source>
        <translation>记录询问笔录（{key}）</translation>
    </message>
    <message>
        <source>Remarks:</source>
        <translation>其他陈述：</translation>
    </message>
    <message>
        <source>not interviewed yet</source>
        <translation>尚未询问</translation>
    </message>
    <message>
        <source>recorded {time}</source>
        <translation>已于 {time} 记录</translation>
    </message>
</context>
<context>
    <name>IssuePage</name>
    <message>
        <source>6. Issue: print the certificates and forms</source>
        <translation>6. 发证：打印结婚证及相关表格</translation>
    </message>
    <message>
        <source>Print all and finish (Ctrl+P)</source>
        <translation>全部打印并完成（Ctrl+P）</translation>
    </message>
    <message>
        <source>Printed: {forms}</source>
        <translation>已打印：{forms}</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Log in to the counter</source>
        <translation>登录柜台</translation>
    </message>
    <message>
        <source>Operator ID:</source>
        <translation>操作员编号：</translation>
    </message>
    <message>
        <source>Secret:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>USB key PIN:</source>
        <translation>USB 密钥 PIN：</translation>
    </message>
    <message>
        <source>Quit the program</source>
        <translation>退出程序</translation>
    </message>
    <message>
        <source>Counter locked</source>
        <translation>柜台已锁定</translation>
    </message>
    <message>
        <source>The counter was locked after a time without input; the open case is kept. {name} ({role}) unlocks with their secret, or another operator logs in to take over.</source>
        <translation>柜台因长时间无操作已锁定，当前案件已保留。{name}（{role}）输入密码即可解锁，或由其他操作员登录接办。</translation>
    </message>
    <message>
        <source>Log in with your operator ID and secret.</source>
        <translation>请输入操作员编号和密码登录。</translation>
    </message>
    <message>
        <source>Type the operator ID and the secret (and the USB key&apos;s PIN when asked).</source>
        <translation>请输入操作员编号和密码（如有要求，再输入 USB 密钥的 PIN）。</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在核验…</translation>
    </message>
    <message>
        <source>QA: simulated USB keys (this counter&apos;s devices are simulated)</source>
        <translation>测试：模拟 USB 密钥（本柜台使用模拟设备）</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Marriage Registration Counter</source>
        <translation>婚姻登记柜台</translation>
    </message>
    <message>
        <source>SIMULATED DEVICES: NOT FOR REAL REGISTRATIONS</source>
        <translation>模拟设备运行中：不得用于真实登记</translation>
    </message>
    <message>
        <source>Cases today (Ctrl+L)</source>
        <translation>今日案件（Ctrl+L）</translation>
    </message>
    <message>
        <source>Back (F9)</source>
        <translation>上一步（F9）</translation>
    </message>
    <message>
        <source>Next (F10)</source>
        <translation>下一步（F10）</translation>
    </message>
    <message>
        <source>Refuse registration (Ctrl+Shift+R)</source>
        <translation>不予登记（Ctrl+Shift+R）</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>处理中…</translation>
    </message>
    <message>
        <source>no case is open</source>
        <translation>当前没有打开的案件</translation>
    </message>
    <message>
        <source>Resumed the unfinished case {title}</source>
        <translation>已恢复未完成的案件：{title}</translation>
    </message>
    <message>
        <source>Identify</source>
        <translation>核验身份</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>材料</translation>
    </message>
    <message>
        <source>Declarations</source>
        <translation>声明</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>审查</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>登记</translation>
    </message>
    <message>
        <source>Issue</source>
        <translation>发证</translation>
    </message>
    <message>
        <source>in progress</source>
        <translation>办理中</translation>
    </message>
    <message>
        <source>waiting for central</source>
        <translation>等待中心库</translation>
    </message>
    <message>
        <source>registered</source>
        <translation>已登记</translation>
    </message>
    <message>
        <source>issued</source>
        <translation>已发证</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>不予登记</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>ID reader</source>
        <translation>身份证阅读器</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>高拍仪</translation>
    </message>
    <message>
        <source>Signature pad</source>
        <translation>签批屏</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>busy</source>
        <translation>忙</translation>
    </message>
    <message>
        <source>not ready</source>
        <translation>未就绪</translation>
    </message>
    <message>
        <source>unavailable</source>
        <translation>不可用</translation>
    </message>
    <message>
        <source> (simulated)</source>
        <translation>（模拟）</translation>
    </message>
    <message>
        <source>Central registry: unreachable</source>
        <translation>中心库：无法连接</translation>
    </message>
    <message>
        <source>Central registry: connected</source>
        <translation>中心库：已连接</translation>
    </message>
    <message>
        <source>The {device} is not available. {reason}</source>
        <translation>{device} 不可用。{reason}</translation>
    </message>
    <message>
        <source>Close case unfinished (Ctrl+Shift+W)</source>
        <translation>中止办理（Ctrl+Shift+W）</translation>
    </message>
    <message>
        <source>Still working on the previous step…</source>
        <translation>上一步仍在处理中…</translation>
    </message>
    <message>
        <source>The central registry answered: the case was updated.</source>
        <translation>中心库已答复，案件已更新。</translation>
    </message>
    <message>
        <source>Receipt number</source>
        <translation>回执编号</translation>
    </message>
    <message>
        <source>Received (T0)</source>
        <translation>受理日期</translation>
    </message>
    <message>
        <source>Cooling-off ends</source>
        <translation>冷静期届满</translation>
    </message>
    <message>
        <source>Issue window ends</source>
        <translation>发证期届满</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Divorce applications of this office (Ctrl+Shift+A)</source>
        <translation>本机关离婚登记申请（Ctrl+Shift+A）</translation>
    </message>
    <message>
        <source>Press Ctrl+N to start a marriage registration for the next couple.
Ctrl+D: divorce application · Ctrl+Shift+D: withdrawal of a divorce application · Ctrl+R: divorce registration (second visit) · Ctrl+B: certificate reissue</source>
        <translation>按 Ctrl+N 为下一对当事人办理结婚登记。
Ctrl+D：离婚登记申请 · Ctrl+Shift+D：撤回离婚登记申请 · Ctrl+R：离婚登记（第二次到场） · Ctrl+B：补领婚姻登记证</translation>
    </message>
    <message>
        <source>Refuse and print the notice (Ctrl+Shift+R)</source>
        <translation>不予办理并打印告知书（Ctrl+Shift+R）</translation>
    </message>
    <message>
        <source>Barcode reader</source>
        <translation>条码识读</translation>
    </message>
    <message>
        <source>Marriage registration (Ctrl+N)</source>
        <translation>结婚登记（Ctrl+N）</translation>
    </message>
    <message>
        <source>Divorce application (Ctrl+D)</source>
        <translation>离婚登记申请（Ctrl+D）</translation>
    </message>
    <message>
        <source>Withdraw a divorce application (Ctrl+Shift+D)</source>
        <translation>撤回离婚登记申请（Ctrl+Shift+D）</translation>
    </message>
    <message>
        <source>Divorce registration, second visit (Ctrl+R)</source>
        <translation>离婚登记（第二次到场）（Ctrl+R）</translation>
    </message>
    <message>
        <source>Reissue a certificate (Ctrl+B)</source>
        <translation>补领婚姻登记证（Ctrl+B）</translation>
    </message>
    <message>
        <source>Marriage registration</source>
        <translation>结婚登记</translation>
    </message>
    <message>
        <source>Divorce application</source>
        <translation>离婚登记申请</translation>
    </message>
    <message>
        <source>Withdrawal of a divorce application</source>
        <translation>撤回离婚登记申请</translation>
    </message>
    <message>
        <source>Divorce registration (second visit)</source>
        <translation>离婚登记（第二次到场）</translation>
    </message>
    <message>
        <source>Certificate reissue</source>
        <translation>补领婚姻登记证</translation>
    </message>
    <message>
        <source>accepted</source>
        <translation>已受理</translation>
    </message>
    <message>
        <source>withdrawn</source>
        <translation>已撤回</translation>
    </message>
    <message>
        <source>divorce registered</source>
        <translation>已登记离婚</translation>
    </message>
    <message>
        <source>certificate number allocated</source>
        <translation>已分配证号</translation>
    </message>
    <message>
        <source>open a divorce or reissue case first</source>
        <translation>请先打开离婚或补领案件</translation>
    </message>
    <message>
        <source>type the marriage certificate number first</source>
        <translation>请先输入结婚证字号</translation>
    </message>
    <message>
        <source>type the receipt number, or press F4 to scan the receipt</source>
        <translation>请输入回执编号，或按 F4 扫描回执单</translation>
    </message>
    <message>
        <source>no QR code was found on the captured image. Lay the receipt flat under the camera, QR code up, and press F4 again, or type the receipt number and press Enter</source>
        <translation>拍摄的图像中没有找到二维码。请将回执单二维码朝上平放在高拍仪下，再按 F4，或输入回执编号后按回车</translation>
    </message>
    <message>
        <source>the QR code found is not a divorce receipt number: {text}</source>
        <translation>识别到的二维码不是离婚登记申请受理回执编号：{text}</translation>
    </message>
    <message>
        <source>No refusal notice was printed: no party&apos;s identity document was read.</source>
        <translation>未打印告知书：尚未读取任何当事人的身份证件。</translation>
    </message>
    <message>
        <source>Enter: start the divorce registration (second visit) with this receipt</source>
        <translation>回车：以此回执办理离婚登记（第二次到场）</translation>
    </message>
    <message>
        <source>Application {number} is closed: {status}</source>
        <translation>回执编号 {number} 的申请已终结：{status}</translation>
    </message>
    <message>
        <source>party {role} has nothing to sign on this page</source>
        <translation>本页没有需要{role}方签名的内容</translation>
    </message>
    <message>
        <source>Device diagnostics</source>
        <translation>设备诊断</translation>
    </message>
    <message>
        <source>Not retried: another case is open now.</source>
        <translation>未重试：当前已打开另一个案件。</translation>
    </message>
    <message>
        <source>Click for the device&apos;s diagnostics.</source>
        <translation>单击查看该设备的诊断信息。</translation>
    </message>
    <message>
        <source>QA console (Ctrl+Shift+Q)</source>
        <translation>测试控制台 (Ctrl+Shift+Q)</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <source>Fingerprint scanner</source>
        <translation>指纹仪</translation>
    </message>
    <message>
        <source>Passport MRZ: scan or type both lines, then Enter (Ctrl+M)</source>
        <translation>护照机读区（MRZ）：扫描或输入两行后回车（Ctrl+M）</translation>
    </message>
    <message>
        <source>MRZ taken: read the passport now (F2/F3).</source>
        <translation>已取得机读区，请读取护照（F2/F3）。</translation>
    </message>
    <message>
        <source>Face matcher</source>
        <translation>人脸比对</translation>
    </message>
    <message>
        <source>Joint photo checked: two faces, red background, 53:35, sharp, well exposed.</source>
        <translation>合影检查通过：两人、红色背景、53:35、清晰、曝光正常。</translation>
    </message>
    <message>
        <source>The joint photo was kept, but its check found: {problems}. Retake it (F5) unless you are satisfied with it.</source>
        <translation>合影照片已保存，但检查发现：{problems}。如不满意请重拍（F5）。</translation>
    </message>
    <message>
        <source>read this party&apos;s ID card first</source>
        <translation>请先读取该当事人的身份证件</translation>
    </message>
    <message>
        <source>the document gave no photo to compare with: the supervisor compares by eye (Supervisor approval…)</source>
        <translation>证件未读出照片，无法比对：请由主管人工核对（主管核实放行…）</translation>
    </message>
    <message>
        <source>no face matcher is configured at this counter ([devices] face_matcher): the supervisor compares by eye (Supervisor approval…)</source>
        <translation>本柜台未配置人脸比对（[devices] face_matcher）：请由主管人工核对（主管核实放行…）</translation>
    </message>
    <message>
        <source>another card was read during the face check: check the face again</source>
        <translation>人脸比对期间读取了另一张证件：请重新比对</translation>
    </message>
    <message>
        <source>Scanned code {code}: nothing on this page takes it.</source>
        <translation>已扫码 {code}：本页面没有可接收此码的项目。</translation>
    </message>
    <message>
        <source>Nobody logged in</source>
        <translation>无人登录</translation>
    </message>
    <message>
        <source>locked</source>
        <translation>已锁定</translation>
    </message>
    <message>
        <source>Operator {id}. Ctrl+Shift+L: log out.</source>
        <translation>操作员 {id}。Ctrl+Shift+L：退出登录。</translation>
    </message>
    <message>
        <source>Logged in: {name}</source>
        <translation>已登录：{name}</translation>
    </message>
    <message>
        <source>Export forms…</source>
        <translation>导出文书…</translation>
    </message>
    <message>
        <source>Void printed certificate blank…</source>
        <translation>作废已打印的证书空白…</translation>
    </message>
    <message>
        <source>Refusal notice printed and kept with the case.</source>
        <translation>告知书已打印并随案件保存。</translation>
    </message>
    <message>
        <source>No printer: the refusal notice is kept with the case; Ctrl+Shift+E exports it.</source>
        <translation>没有打印机：告知书已随案件保存，可按 Ctrl+Shift+E 导出。</translation>
    </message>
    <message>
        <source>Forms printed and kept with the case.</source>
        <translation>文书已打印并随案件保存。</translation>
    </message>
    <message>
        <source>No printer: the forms are kept with the case; Ctrl+Shift+E exports them.</source>
        <translation>没有打印机：文书已随案件保存，可按 Ctrl+Shift+E 导出。</translation>
    </message>
    <message>
        <source>Export the case&apos;s forms to…</source>
        <translation>将案件文书导出到…</translation>
    </message>
    <message>
        <source>no printed forms are kept with this case</source>
        <translation>本案件没有保存已打印的文书</translation>
    </message>
    <message>
        <source>{count} forms exported to {folder}</source>
        <translation>已将 {count} 份文书导出到 {folder}</translation>
    </message>
    <message>
        <source>only the certificates printed for an issued case can be voided</source>
        <translation>只能作废已发证案件打印的证书</translation>
    </message>
    <message>
        <source>Certificate printed again and kept with the case.</source>
        <translation>证书已重新打印并随案件保存。</translation>
    </message>
    <message>
        <source>No printer: the new certificate is kept with the case; Ctrl+Shift+E exports it.</source>
        <translation>没有打印机：新证书已随案件保存，可按 Ctrl+Shift+E 导出。</translation>
    </message>
    <message>
        <source>The case is hidden: the audit trail could not record that it was viewed. Nothing was lost.
Press Ctrl+Enter to try again; if it fails again, call IT support.</source>
        <translation>案件已隐藏：审计日志无法记录本次查看。没有丢失任何内容。
请按 Ctrl+Enter 重试；如仍失败，请联系信息技术人员。</translation>
    </message>
</context>
<context>
    <name>Operator</name>
    <message>
        <source>registrar</source>
        <translation>登记员</translation>
    </message>
    <message>
        <source>supervisor</source>
        <translation>主管</translation>
    </message>
    <message>
        <source>IT administrator</source>
        <translation>信息技术管理员</translation>
    </message>
    <message>
        <source>QA</source>
        <translation>测试人员</translation>
    </message>
</context>
<context>
    <name>PartyBox</name>
    <message>
        <source>Read ID card ({key})</source>
        <translation>读取身份证（{key}）</translation>
    </message>
    <message>
        <source>central check pending (central registry unreachable)</source>
        <translation>尚未联网核对（中心库无法连接）</translation>
    </message>
    <message>
        <source>active marriage {certificate}</source>
        <translation>婚姻关系存续（{certificate}）</translation>
    </message>
    <message>
        <source>no active marriage on record</source>
        <translation>无存续的婚姻登记</translation>
    </message>
</context>
<context>
    <name>PartyPanel</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Ethnicity</source>
        <translation>民族</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>住址</translation>
    </message>
    <message>
        <source>Valid</source>
        <translation>有效期限</translation>
    </message>
    <message>
        <source>Issued by</source>
        <translation>签发机关</translation>
    </message>
    <message>
        <source>Central check</source>
        <translation>联网核对</translation>
    </message>
    <message>
        <source>Read ID card ({key})</source>
        <translation>读取身份证（{key}）</translation>
    </message>
    <message>
        <source>not checked yet (central registry unreachable)</source>
        <translation>尚未核对（中心库无法连接）</translation>
    </message>
    <message>
        <source>MARRIED ({certificate})</source>
        <translation>已婚（{certificate}）</translation>
    </message>
    <message>
        <source>no active marriage</source>
        <translation>无有效婚姻记录</translation>
    </message>
</context>
<context>
    <name>PenSignature</name>
    <message>
        <source>Signature</source>
        <translation>签名</translation>
    </message>
    <message>
        <source>Pen signature</source>
        <translation>手写签名</translation>
    </message>
</context>
<context>
    <name>PenSignatureWidget</name>
    <message>
        <source>Clear (Esc)</source>
        <translation>清除 (Esc)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Done (Enter)</source>
        <translation>完成 (Enter)</translation>
    </message>
    <message>
        <source>Signer: {name}. Please sign in the box below.</source>
        <translation>签名人：{name}。请在下方框内签名。</translation>
    </message>
    <message>
        <source>Too short to be a signature: please sign your full name in the box.</source>
        <translation>笔迹过短，不能作为签名：请在框内签署全名。</translation>
    </message>
</context>
<context>
    <name>QaConsoleDock</name>
    <message>
        <source>QA console: simulated devices (Ctrl+Shift+Q)</source>
        <translation>测试控制台：模拟设备 (Ctrl+Shift+Q)</translation>
    </message>
    <message>
        <source>ID card reader</source>
        <translation>身份证阅读器</translation>
    </message>
    <message>
        <source>Present card</source>
        <translation>放上身份证</translation>
    </message>
    <message>
        <source>Remove card</source>
        <translation>取走身份证</translation>
    </message>
    <message>
        <source>Document camera</source>
        <translation>高拍仪</translation>
    </message>
    <message>
        <source>Show to the camera</source>
        <translation>放到高拍仪下</translation>
    </message>
    <message>
        <source>Take it away</source>
        <translation>拿走</translation>
    </message>
    <message>
        <source>Signature pad</source>
        <translation>签批屏</translation>
    </message>
    <message>
        <source>Party {role} signs</source>
        <translation>{role}方签名</translation>
    </message>
    <message>
        <source>Faults and cables</source>
        <translation>故障与连接</translation>
    </message>
    <message>
        <source>Times:</source>
        <translation>次数：</translation>
    </message>
    <message>
        <source>Trigger</source>
        <translation>触发</translation>
    </message>
    <message>
        <source>Clear all faults</source>
        <translation>清除全部故障</translation>
    </message>
    <message>
        <source>Central registry (network)</source>
        <translation>中心库（网络）</translation>
    </message>
    <message>
        <source>Calls:</source>
        <translation>调用次数：</translation>
    </message>
    <message>
        <source>Unreachable</source>
        <translation>无法连接</translation>
    </message>
    <message>
        <source>Network back</source>
        <translation>网络恢复</translation>
    </message>
    <message>
        <source>Counter clock</source>
        <translation>窗口时钟</translation>
    </message>
    <message>
        <source>+{days} d</source>
        <translation>+{days} 天</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>ID reader</source>
        <translation>身份证阅读器</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>高拍仪</translation>
    </message>
    <message>
        <source>Barcode reader</source>
        <translation>条码识读</translation>
    </message>
    <message>
        <source>Not done: {reason}</source>
        <translation>未执行：{reason}</translation>
    </message>
    <message>
        <source>Choose a person first.</source>
        <translation>请先选择一个人。</translation>
    </message>
    <message>
        <source>Choose a document first.</source>
        <translation>请先选择一份材料。</translation>
    </message>
    <message>
        <source>On the reader: {card}</source>
        <translation>阅读器上：{card}</translation>
    </message>
    <message>
        <source>nothing</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Under the camera: {document}</source>
        <translation>高拍仪下：{document}</translation>
    </message>
    <message>
        <source>nothing chosen</source>
        <translation>未指定</translation>
    </message>
    <message>
        <source>Plug back in</source>
        <translation>重新连接</translation>
    </message>
    <message>
        <source>Unplug</source>
        <translation>断开连接</translation>
    </message>
    <message>
        <source>Simulated date: {date}</source>
        <translation>模拟日期：{date}</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <source>Fingerprint scanner</source>
        <translation>指纹仪</translation>
    </message>
    <message>
        <source>USB key (second factor)</source>
        <translation>USB 密钥（第二因素）</translation>
    </message>
</context>
<context>
    <name>ReceiptBox</name>
    <message>
        <source>Acceptance receipt of the divorce application</source>
        <translation>离婚登记申请受理回执单</translation>
    </message>
    <message>
        <source>Receipt number, e.g. 110101-20260602-3F2A9C1B, then Enter</source>
        <translation>回执编号，如 110101-20260602-3F2A9C1B，输入后按回车</translation>
    </message>
    <message>
        <source>Look up (Enter)</source>
        <translation>查找（回车）</translation>
    </message>
    <message>
        <source>Scan the receipt&apos;s QR code (F4)</source>
        <translation>扫描回执二维码（F4）</translation>
    </message>
</context>
<context>
    <name>RegisterPage</name>
    <message>
        <source>5. Register: commit to the central marriage registry</source>
        <translation>5. 登记：提交婚姻登记中心库</translation>
    </message>
    <message>
        <source>Register now (F12)</source>
        <translation>提交登记（F12）</translation>
    </message>
    <message>
        <source>Parties: {names}. Office: {office}. Registrar: {registrar}.</source>
        <translation>当事人：{names}。登记机关：{office}。登记员：{registrar}。</translation>
    </message>
    <message>
        <source>Registered. Certificate number {number}</source>
        <translation>登记成功。结婚证字号 {number}</translation>
    </message>
    <message>
        <source>Waiting for the central registry: {reason}
The case is saved; press F12 to try again.</source>
        <translation>等待中心库：{reason}
案件已保存，按 F12 重试。</translation>
    </message>
    <message>
        <source>Not registered yet.</source>
        <translation>尚未登记。</translation>
    </message>
</context>
<context>
    <name>ReissuePage</name>
    <message>
        <source>Reissue of a marriage or divorce certificate</source>
        <translation>补领结婚证、离婚证</translation>
    </message>
    <message>
        <source>Applicant</source>
        <translation>申请人</translation>
    </message>
    <message>
        <source>Certificate to reissue</source>
        <translation>补领的证件</translation>
    </message>
    <message>
        <source>Certificate (Alt+K):</source>
        <translation>证件（Alt+K）：</translation>
    </message>
    <message>
        <source>Reason (Alt+E):</source>
        <translation>原因（Alt+E）：</translation>
    </message>
    <message>
        <source>Registration on record (archive check)</source>
        <translation>婚姻登记档案（查档）</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Capture the joint photo (F5)</source>
        <translation>拍摄双方合影照片（F5）</translation>
    </message>
    <message>
        <source>Declaration</source>
        <translation>声明书</translation>
    </message>
    <message>
        <source>The applicant signs on the pad (F7)</source>
        <translation>申请人在签批屏上签名（F7）</translation>
    </message>
    <message>
        <source>Issue the certificate (F12)</source>
        <translation>补发证件（F12）</translation>
    </message>
    <message>
        <source>Print the certificate, declaration and review form, finish (Ctrl+P)</source>
        <translation>打印证件、声明书和审查处理表并办结（Ctrl+P）</translation>
    </message>
    <message>
        <source>Certificate reissued. Number {number}</source>
        <translation>证件已补发。字号 {number}</translation>
    </message>
    <message>
        <source>Identify</source>
        <translation>核验身份</translation>
    </message>
    <message>
        <source>Archive check</source>
        <translation>查档</translation>
    </message>
    <message>
        <source>Issue</source>
        <translation>补发</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>发证</translation>
    </message>
    <message>
        <source>Read the applicant&apos;s card: the archive is checked at once.</source>
        <translation>请读取申请人的证件：随即查档。</translation>
    </message>
    <message>
        <source>No registration of this person was found in the central registry.</source>
        <translation>中心库中没有查到此人的婚姻登记档案。</translation>
    </message>
    <message>
        <source>Capture the single photo (F5)</source>
        <translation>拍摄本人单人照片（F5）</translation>
    </message>
</context>
<context>
    <name>ReviewPage</name>
    <message>
        <source>4. Review: check everything before registering</source>
        <translation>4. 审查：登记前核对全部信息</translation>
    </message>
    <message>
        <source>Party A</source>
        <translation>当事人甲</translation>
    </message>
    <message>
        <source>Party B</source>
        <translation>当事人乙</translation>
    </message>
    <message>
        <source>Rule results (law in force on the day of the visit):</source>
        <translation>审查结果（依办理当日施行的规定）：</translation>
    </message>
    <message>
        <source>Materials: {list}</source>
        <translation>材料：{list}</translation>
    </message>
</context>
<context>
    <name>RuleList</name>
    <message>
        <source>PASS</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>FAIL</source>
        <translation>不通过</translation>
    </message>
</context>
<context>
    <name>RuleSetAsideDialog</name>
    <message>
        <source>Set a rule result aside: supervisor approval</source>
        <translation>规则结果放行：主管审批</translation>
    </message>
    <message>
        <source>Why the law allows a supervisor to set it aside: {basis}</source>
        <translation>可由主管放行的依据：{basis}</translation>
    </message>
    <message>
        <source>Why this result need not stop the case (e.g. the camera at this counter is out of order)</source>
        <translation>此项不作为办理障碍的理由（例如：本柜台摄像头故障）</translation>
    </message>
</context>
<context>
    <name>RulesBox</name>
    <message>
        <source>Rule results (law in force on the day of the visit)</source>
        <translation>审查结果（依办理当日施行的规定）</translation>
    </message>
</context>
<context>
    <name>SetAsideButton</name>
    <message>
        <source>Set rule aside… (Ctrl+Shift+O)</source>
        <translation>主管放行规则结果…（Ctrl+Shift+O）</translation>
    </message>
</context>
<context>
    <name>SignatureTile</name>
    <message>
        <source>not signed</source>
        <translation>未签名</translation>
    </message>
    <message>
        <source>signed {time}</source>
        <translation>已于 {time} 签名</translation>
    </message>
    <message>
        <source>the text changed since: sign again</source>
        <translation>文书内容已变更：请重新签名</translation>
    </message>
</context>
<context>
    <name>StartError</name>
    <message>
        <source>Marriage registration counter</source>
        <translation>婚姻登记柜台</translation>
    </message>
    <message>
        <source>The counter could not start:</source>
        <translation>柜台程序无法启动：</translation>
    </message>
</context>
<context>
    <name>SupervisorApproval</name>
    <message>
        <source>Supervisor&apos;s operator ID:</source>
        <translation>主管操作员编号：</translation>
    </message>
    <message>
        <source>Supervisor&apos;s secret:</source>
        <translation>主管密码：</translation>
    </message>
    <message>
        <source>USB key PIN:</source>
        <translation>USB 密钥 PIN：</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>理由：</translation>
    </message>
    <message>
        <source>The supervisor types their operator ID and secret; give the reason.</source>
        <translation>请主管输入本人操作员编号和密码，并写明理由。</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在核验…</translation>
    </message>
</context>
<context>
    <name>SyncPanel</name>
    <message>
        <source>Sync with the central registry (Ctrl+Shift+S)</source>
        <translation>与中心库同步（Ctrl+Shift+S）</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>项目</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Next attempt</source>
        <translation>下次尝试</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Sync now (Ctrl+Shift+Y)</source>
        <translation>立即同步（Ctrl+Shift+Y）</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>sending</source>
        <translation>发送中</translation>
    </message>
    <message>
        <source>confirmed</source>
        <translation>已确认</translation>
    </message>
    <message>
        <source>registration</source>
        <translation>登记</translation>
    </message>
    <message>
        <source>archive</source>
        <translation>档案</translation>
    </message>
    <message>
        <source>Sync: {waiting} waiting</source>
        <translation>同步：{waiting} 项等待</translation>
    </message>
    <message>
        <source>Sync: all confirmed</source>
        <translation>同步：全部已确认</translation>
    </message>
    <message>
        <source>rejected</source>
        <translation>被拒收</translation>
    </message>
    <message>
        <source>Sync: {waiting} waiting, {failed} rejected</source>
        <translation>同步：{waiting} 项等待，{failed} 项被拒收</translation>
    </message>
</context>
<context>
    <name>UsbKeyControl</name>
    <message>
        <source>{serial} (issued to {operator})</source>
        <translation>{serial}（发给 {operator}）</translation>
    </message>
    <message>
        <source>Insert USB key</source>
        <translation>插入 USB 密钥</translation>
    </message>
    <message>
        <source>Pull USB key</source>
        <translation>拔出 USB 密钥</translation>
    </message>
    <message>
        <source>the scenario has no simulated USB keys</source>
        <translation>场景中没有模拟 USB 密钥</translation>
    </message>
    <message>
        <source>In the port: {key}</source>
        <translation>已插入：{key}</translation>
    </message>
    <message>
        <source>no key</source>
        <translation>未插入密钥</translation>
    </message>
</context>
<context>
    <name>VoidBlankDialog</name>
    <message>
        <source>Void a printed certificate blank: supervisor approval</source>
        <translation>作废已打印的证书空白：主管审批</translation>
    </message>
    <message>
        <source>The voided blank is kept for the office&apos;s records; the certificate is printed again on a new blank.</source>
        <translation>作废的证书空白留存备查；证书将在新的空白证书上重新打印。</translation>
    </message>
    <message>
        <source>As printed on the blank; leave empty if it has none</source>
        <translation>按空白证书上印制的号码填写；没有则留空</translation>
    </message>
    <message>
        <source>What is wrong with the printed certificate (e.g. the paper jammed and the photo is smeared)</source>
        <translation>已打印证书的问题（例如：卡纸导致照片污损）</translation>
    </message>
    <message>
        <source>Certificate:</source>
        <translation>证书：</translation>
    </message>
    <message>
        <source>Print number (印制号) of the voided blank:</source>
        <translation>作废空白证书的印制号：</translation>
    </message>
    <message>
        <source>Choose the certificate to void.</source>
        <translation>请选择要作废的证书。</translation>
    </message>
</context>
</TS>
