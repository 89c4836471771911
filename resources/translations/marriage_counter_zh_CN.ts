<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
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
        <source>The counter's local database failed: {detail}</source>
        <translation>本机数据库出错：{detail}</translation>
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
</context>
<context>
    <name>DocumentsPage</name>
    <message>
        <source>2. Documents: the couple's joint photo and supporting documents</source>
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
</context>
<context>
    <name>ErrorBar</name>
    <message>
        <source>Dismiss (Esc)</source>
        <translation>关闭（Esc）</translation>
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
        <source>New case (Ctrl+N)</source>
        <translation>新建案件（Ctrl+N）</translation>
    </message>
    <message>
        <source>Cases today (Ctrl+L)</source>
        <translation>今日案件（Ctrl+L）</translation>
    </message>
    <message>
        <source>Press Ctrl+N to start a case for the next couple.</source>
        <translation>按 Ctrl+N 为下一对当事人新建案件。</translation>
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
        <source>Forms saved to {folder}</source>
        <translation>表格已保存到 {folder}</translation>
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
</TS>