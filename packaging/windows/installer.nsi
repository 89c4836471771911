; Windows installer of the marriage registration counter (NSIS 3, Unicode, MUI2).
;
; makensis -DPAYLOAD=<frozen folder> -DVERSION=0.1.0 [-DOUTFILE=...] [-DCOMPRESSOR=lzma|zlib|none]
;          [-DICON=<file.ico>] [-DCONFIG_EXAMPLE=packaging/config.example.toml]
;          packaging/windows/installer.nsi
;
; PAYLOAD is PyInstaller's dist\marriage-counter folder built on Windows (see
; packaging/README.md). CI compiles this script on Linux against the Linux folder as a
; stand-in payload: that proves the script, not the Windows build.
;
; Per-machine install to "Program Files\marriage-counter"; machine-wide configuration
; %ProgramData%\marriage-counter\config.toml (what app/config.py reads on Windows);
; Start-menu and desktop shortcuts for all users. Silent install and its parameters:
; packaging/README.md ("Windows: silent install"). Exit codes: 0 done, 1 cancelled,
; 2 bad parameter, 3 the counter is running (close it first).

Unicode true
ManifestDPIAware true
RequestExecutionLevel admin

!ifndef PAYLOAD
  !error "define PAYLOAD: makensis -DPAYLOAD=<frozen dist\marriage-counter folder>"
!endif
!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef OUTFILE
  !define OUTFILE "marriage-counter-${VERSION}-setup.exe"
!endif
!ifndef COMPRESSOR
  !define COMPRESSOR "lzma"
!endif
!if "${COMPRESSOR}" == "none"
  SetCompress off
!else
  SetCompressor /SOLID ${COMPRESSOR}
!endif

!define APP "marriage-counter"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"
!define SETTINGS_KEY "Software\${APP}"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"
!include "nsDialogs.nsh"

Name "$(AppName)"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP}"
InstallDirRegKey HKLM "${SETTINGS_KEY}" "InstallDir"
BrandingText "${APP} ${VERSION}"
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=0 "ProductName" "${APP}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileDescription" "Marriage registration counter installer"
VIAddVersionKey /LANG=0 "LegalCopyright" "the marriage-counter authors"

!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_ABORTWARNING
!define MUI_LANGDLL_REGISTRY_ROOT HKLM
!define MUI_LANGDLL_REGISTRY_KEY "${SETTINGS_KEY}"
!define MUI_LANGDLL_REGISTRY_VALUENAME "InstallerLanguage"

Var OfficeCode
Var OfficeName
Var CounterId
Var CentralUrl
Var IdReader
Var Camera
Var SignaturePad
Var Barcode
Var FaceMatcher
Var DataDir
Var NoDesktop
Var ConfigGiven     ; 1 when any configuration parameter was given on the command line
Var Purge
Var Field1
Var Field2
Var Field3
Var Field4
Var Field5

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
Page custom SettingsPage SettingsPageLeave
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

; Simplified Chinese first: the default for counter PCs; English for IT.
!insertmacro MUI_LANGUAGE "SimpChinese"
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_RESERVEFILE_LANGDLL

LangString AppName ${LANG_SIMPCHINESE} "婚姻登记柜台"
LangString AppName ${LANG_ENGLISH} "Marriage Registration Counter"
LangString SettingsTitle ${LANG_SIMPCHINESE} "柜台设置"
LangString SettingsTitle ${LANG_ENGLISH} "Counter settings"
LangString SettingsSubtitle ${LANG_SIMPCHINESE} "写入本机配置 %ProgramData%\marriage-counter\config.toml；留空的项目使用默认值。"
LangString SettingsSubtitle ${LANG_ENGLISH} "Written to %ProgramData%\marriage-counter\config.toml; empty fields keep the defaults."
LangString LabelOffice ${LANG_SIMPCHINESE} "登记机关行政区划代码（6 位）："
LangString LabelOffice ${LANG_ENGLISH} "Office code (6-digit GB/T 2260):"
LangString LabelCounter ${LANG_SIMPCHINESE} "窗口编号："
LangString LabelCounter ${LANG_ENGLISH} "Counter id:"
LangString LabelCentral ${LANG_SIMPCHINESE} "中心库地址（SQLAlchemy URL）："
LangString LabelCentral ${LANG_ENGLISH} "Central store URL (SQLAlchemy):"
LangString LabelIdReader ${LANG_SIMPCHINESE} "身份证阅读器（如 sam:COM4）："
LangString LabelIdReader ${LANG_ENGLISH} "ID card reader (e.g. sam:COM4):"
LangString LabelCamera ${LANG_SIMPCHINESE} "高拍仪（如 opencv:0）："
LangString LabelCamera ${LANG_ENGLISH} "Document camera (e.g. opencv:0):"
LangString BadOffice ${LANG_SIMPCHINESE} "登记机关代码必须是 6 位数字。"
LangString BadOffice ${LANG_ENGLISH} "The office code must be 6 digits."
LangString BadQuote ${LANG_SIMPCHINESE} "设置中不能含有单引号 (')。"
LangString BadQuote ${LANG_ENGLISH} "Settings cannot contain a single quote (')."
LangString Running ${LANG_SIMPCHINESE} "婚姻登记柜台正在运行。请先关闭它，然后点“重试”。"
LangString Running ${LANG_ENGLISH} "The counter application is running. Close it, then click Retry."
LangString IncompleteConfig ${LANG_SIMPCHINESE} "本机已有配置文件：如需以安装参数替换它，须同时给出 /OFFICE 和 /CENTRAL_URL（其余参数可选）。未作任何更改。"
LangString IncompleteConfig ${LANG_ENGLISH} "This PC already has a machine configuration: to replace it from installer parameters, give /OFFICE and /CENTRAL_URL too (the others are optional). Nothing was changed."
LangString ConfigKept ${LANG_SIMPCHINESE} "保留已有的本机配置："
LangString ConfigKept ${LANG_ENGLISH} "Keeping the existing machine configuration:"
LangString ConfigBad ${LANG_SIMPCHINESE} "本机配置未通过检查（见安装日志）。请修改 %ProgramData%\marriage-counter\config.toml 后运行 marriage-counter config。"
LangString ConfigBad ${LANG_ENGLISH} "The machine configuration failed its check (see the install log). Fix %ProgramData%\marriage-counter\config.toml, then run marriage-counter config."
LangString AskPurge ${LANG_SIMPCHINESE} "同时删除本机配置（%ProgramData%\marriage-counter\config.toml）吗？$\r$\n登记数据不会被删除。"
LangString AskPurge ${LANG_ENGLISH} "Also delete the machine configuration (%ProgramData%\marriage-counter\config.toml)?$\r$\nNo registration data is deleted."

; ---------------------------------------------------------------------------------
; Command line: /NAME=value. Quote values that hold "/" or spaces (GetOptions ends an
; unquoted value at the next "/"): /CENTRAL_URL="postgresql+psycopg://host/db".

!macro ReadOption NAME VAR
  ClearErrors
  ${GetOptions} $R0 "/${NAME}=" ${VAR}
  ${IfNot} ${Errors}
    StrCpy $ConfigGiven 1
  ${EndIf}
!macroend

Function ReadCommandLine
  ${GetParameters} $R0
  StrCpy $ConfigGiven 0
  !insertmacro ReadOption "OFFICE" $OfficeCode
  !insertmacro ReadOption "OFFICE_NAME" $OfficeName
  !insertmacro ReadOption "COUNTER" $CounterId
  !insertmacro ReadOption "CENTRAL_URL" $CentralUrl
  !insertmacro ReadOption "ID_READER" $IdReader
  !insertmacro ReadOption "CAMERA" $Camera
  !insertmacro ReadOption "SIGNATURE_PAD" $SignaturePad
  !insertmacro ReadOption "BARCODE" $Barcode
  !insertmacro ReadOption "FACE" $FaceMatcher
  !insertmacro ReadOption "DATA_DIR" $DataDir
  StrCpy $NoDesktop 0
  ClearErrors
  ${GetOptions} $R0 "/NODESKTOP" $R1
  ${IfNot} ${Errors}
    StrCpy $NoDesktop 1
  ${EndIf}
FunctionEnd

; Fails (error flag set) unless $OfficeCode is empty or six digits.
Function CheckOfficeCode
  ClearErrors
  ${If} $OfficeCode == ""
    Return
  ${EndIf}
  StrLen $R1 $OfficeCode
  ${If} $R1 != 6
    SetErrors
    Return
  ${EndIf}
  StrCpy $R2 0
  ${Do}
    StrCpy $R3 $OfficeCode 1 $R2
    IntOp $R4 $R3 + 0 ; a digit reads back as itself, anything else as 0
    ${If} $R4 != $R3
      SetErrors
      Return
    ${EndIf}
    IntOp $R2 $R2 + 1
  ${LoopUntil} $R2 >= 6
FunctionEnd

; Fails (error flag set) when a value would break its TOML literal string '...'.
Function ValuesHaveQuote
  ClearErrors
  StrCpy $R1 "$OfficeCode$OfficeName$CounterId$CentralUrl$IdReader$Camera$SignaturePad$Barcode$FaceMatcher$DataDir"
  StrLen $R2 $R1
  StrCpy $R3 0
  ${While} $R3 < $R2
    StrCpy $R4 $R1 1 $R3
    ${If} $R4 == "'"
      SetErrors
      Return
    ${EndIf}
    IntOp $R3 $R3 + 1
  ${EndWhile}
FunctionEnd

; ---------------------------------------------------------------------------------
; Writing the configuration: TOML must be UTF-8, and FileWrite writes the ANSI code
; page (GBK on Chinese Windows), so each line goes through WideCharToMultiByte(CP_UTF8)
; and WriteFile on the handle FileOpen returned.

; Stack: handle, text (text on top). Writes text + CRLF.
Function WriteUtf8Line
  Exch $R6 ; text
  Exch
  Exch $R7 ; handle
  Push $R8
  Push $R9
  Push $0
  StrCpy $R6 "$R6$\r$\n"
  System::Call 'kernel32::WideCharToMultiByte(i 65001, i 0, w R6, i -1, p 0, i 0, p 0, p 0) i .R8'
  ${If} $R8 > 1
    System::Alloc $R8
    Pop $R9
    System::Call 'kernel32::WideCharToMultiByte(i 65001, i 0, w R6, i -1, p R9, i R8, p 0, p 0) i .R8'
    IntOp $R8 $R8 - 1 ; not the terminating NUL
    System::Call 'kernel32::WriteFile(p R7, p R9, i R8, *i .r0, p 0) i'
    System::Free $R9
  ${EndIf}
  Pop $0
  Pop $R9
  Pop $R8
  Pop $R7
  Pop $R6
FunctionEnd

!macro Line HANDLE TEXT
  Push ${HANDLE}
  Push `${TEXT}`
  Call WriteUtf8Line
!macroend

!macro KeyIfSet HANDLE KEY VAR
  ${If} ${VAR} != ""
    !insertmacro Line ${HANDLE} "${KEY} = '${VAR}'"
  ${EndIf}
!macroend

Function WriteMachineConfig
  SetShellVarContext all
  StrCpy $R5 "$APPDATA\${APP}" ; C:\ProgramData\marriage-counter
  CreateDirectory $R5
  ${If} ${FileExists} "$R5\config.toml"
    ${If} $ConfigGiven != 1
      DetailPrint "$(ConfigKept) $R5\config.toml"
      Return
    ${EndIf}
    ; New parameters replace the file; the previous one stays beside it.
    Delete "$R5\config.toml.previous"
    Rename "$R5\config.toml" "$R5\config.toml.previous"
  ${EndIf}
  FileOpen $R4 "$R5\config.toml" w
  !insertmacro Line $R4 "# %ProgramData%\marriage-counter\config.toml: this counter PC's machine-wide configuration."
  !insertmacro Line $R4 "# Written by the installer (${APP} ${VERSION}) from its parameters; edit it freely:"
  !insertmacro Line $R4 "# an upgrade without configuration parameters keeps it. Keys not set here use the"
  !insertmacro Line $R4 "# application's defaults; the effective configuration: marriage-counter config"
  !insertmacro Line $R4 ""
  !insertmacro KeyIfSet $R4 "data_dir" $DataDir
  !insertmacro Line $R4 "[office]"
  !insertmacro KeyIfSet $R4 "code" $OfficeCode
  !insertmacro KeyIfSet $R4 "name" $OfficeName
  !insertmacro KeyIfSet $R4 "counter_id" $CounterId
  !insertmacro Line $R4 ""
  !insertmacro Line $R4 "[central]"
  !insertmacro KeyIfSet $R4 "url" $CentralUrl
  !insertmacro Line $R4 ""
  !insertmacro Line $R4 "[devices]"
  !insertmacro KeyIfSet $R4 "id_reader" $IdReader
  !insertmacro KeyIfSet $R4 "camera" $Camera
  !insertmacro KeyIfSet $R4 "signature_pad" $SignaturePad
  !insertmacro KeyIfSet $R4 "barcode" $Barcode
  !insertmacro KeyIfSet $R4 "face_matcher" $FaceMatcher
  FileClose $R4
  DetailPrint "$R5\config.toml"
FunctionEnd

; The counter must not be running while its files are replaced: a running .exe
; cannot be opened for writing. (IfErrors clears the flag it tests, hence $R2.)
!macro FlagIfLocked FILE
  ${If} ${FileExists} "${FILE}"
    ClearErrors
    FileOpen $R1 "${FILE}" a
    ${If} ${Errors}
      StrCpy $R2 1
    ${Else}
      FileClose $R1
    ${EndIf}
  ${EndIf}
!macroend

Function CheckNotRunning
  retry:
  StrCpy $R2 0
  !insertmacro FlagIfLocked "$INSTDIR\marriage-counter.exe"
  !insertmacro FlagIfLocked "$INSTDIR\marriage-counter-gui.exe"
  ${If} $R2 == 1
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "$(Running)" /SD IDCANCEL IDRETRY retry
    SetErrorLevel 3
    Quit
  ${EndIf}
FunctionEnd

; ---------------------------------------------------------------------------------

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONSTOP "64-bit Windows is required." /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
  SetRegView 64
  ${If} $INSTDIR == "$PROGRAMFILES\${APP}" ; a 32-bit stub's default: use the 64-bit folder
    StrCpy $INSTDIR "$PROGRAMFILES64\${APP}"
  ${EndIf}
  !insertmacro MUI_LANGDLL_DISPLAY
  Call ReadCommandLine
  Call CheckOfficeCode
  ${If} ${Errors}
    MessageBox MB_OK|MB_ICONSTOP "$(BadOffice)" /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
  Call ValuesHaveQuote
  ${If} ${Errors}
    MessageBox MB_OK|MB_ICONSTOP "$(BadQuote)" /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
  ; Parameters replace an existing machine configuration as a whole: one parameter alone
  ; (say /CAMERA on an upgrade) would leave the office and the central store at their
  ; defaults, and the counter would register under the wrong office into a stand-in store.
  SetShellVarContext all
  ${If} $ConfigGiven == 1
  ${AndIf} ${FileExists} "$APPDATA\${APP}\config.toml"
    ${If} $OfficeCode == ""
    ${OrIf} $CentralUrl == ""
      MessageBox MB_OK|MB_ICONSTOP "$(IncompleteConfig)" /SD IDOK
      SetErrorLevel 2
      Quit
    ${EndIf}
  ${EndIf}
FunctionEnd

; Shown on a fresh install (no machine configuration yet); skipped on upgrades, which
; keep the existing file unless configuration parameters are given.
Function SettingsPage
  SetShellVarContext all
  ${If} ${FileExists} "$APPDATA\${APP}\config.toml"
  ${AndIf} $ConfigGiven != 1
    Abort
  ${EndIf}
  !insertmacro MUI_HEADER_TEXT "$(SettingsTitle)" "$(SettingsSubtitle)"
  nsDialogs::Create 1018
  Pop $R1
  ${If} $R1 == error
    Abort
  ${EndIf}
  ${NSD_CreateLabel} 0 0u 45% 12u "$(LabelOffice)"
  Pop $R1
  ${NSD_CreateText} 47% 0u 53% 12u $OfficeCode
  Pop $Field1
  ${NSD_CreateLabel} 0 20u 45% 12u "$(LabelCounter)"
  Pop $R1
  ${NSD_CreateText} 47% 20u 53% 12u $CounterId
  Pop $Field2
  ${NSD_CreateLabel} 0 40u 45% 12u "$(LabelCentral)"
  Pop $R1
  ${NSD_CreateText} 47% 40u 53% 12u $CentralUrl
  Pop $Field3
  ${NSD_CreateLabel} 0 60u 45% 12u "$(LabelIdReader)"
  Pop $R1
  ${NSD_CreateText} 47% 60u 53% 12u $IdReader
  Pop $Field4
  ${NSD_CreateLabel} 0 80u 45% 12u "$(LabelCamera)"
  Pop $R1
  ${NSD_CreateText} 47% 80u 53% 12u $Camera
  Pop $Field5
  nsDialogs::Show
FunctionEnd

Function SettingsPageLeave
  ${NSD_GetText} $Field1 $OfficeCode
  ${NSD_GetText} $Field2 $CounterId
  ${NSD_GetText} $Field3 $CentralUrl
  ${NSD_GetText} $Field4 $IdReader
  ${NSD_GetText} $Field5 $Camera
  Call CheckOfficeCode
  ${If} ${Errors}
    MessageBox MB_OK|MB_ICONEXCLAMATION "$(BadOffice)"
    Abort
  ${EndIf}
  Call ValuesHaveQuote
  ${If} ${Errors}
    MessageBox MB_OK|MB_ICONEXCLAMATION "$(BadQuote)"
    Abort
  ${EndIf}
  StrCpy $ConfigGiven 1 ; the page's values are the configuration to write
FunctionEnd

Section "Install"
  SetRegView 64
  SetShellVarContext all
  Call CheckNotRunning
  SetOutPath "$INSTDIR"
  ; An upgrade replaces the program folder whole, so no file of the old version stays
  ; behind. It holds no data: data and configuration live elsewhere.
  RMDir /r "$INSTDIR\_internal"
  File /r "${PAYLOAD}\*"
!ifdef CONFIG_EXAMPLE
  File "/oname=config.example.toml" "${CONFIG_EXAMPLE}" ; every key, its meaning and default
!endif
  WriteUninstaller "$INSTDIR\uninstall.exe"

  Call WriteMachineConfig

  CreateDirectory "$SMPROGRAMS\$(AppName)"
  CreateShortcut "$SMPROGRAMS\$(AppName)\$(AppName).lnk" "$INSTDIR\marriage-counter-gui.exe" "" "$INSTDIR\marriage-counter-gui.exe" 0
  ${If} $NoDesktop != 1
    CreateShortcut "$DESKTOP\$(AppName).lnk" "$INSTDIR\marriage-counter-gui.exe" "" "$INSTDIR\marriage-counter-gui.exe" 0
  ${EndIf}

  WriteRegStr HKLM "${SETTINGS_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${SETTINGS_KEY}" "ShortcutName" "$(AppName)"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "$(AppName)"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "marriage-counter"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\marriage-counter-gui.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $R1 $R2 $R3
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" $R1

  ; Let the application check the configuration it will read (exit 2 = bad file).
  ${If} ${FileExists} "$INSTDIR\marriage-counter.exe"
    nsExec::ExecToLog '"$INSTDIR\marriage-counter.exe" config'
    Pop $R1
    ${If} $R1 != 0
      MessageBox MB_OK|MB_ICONEXCLAMATION "$(ConfigBad)" /SD IDOK
      SetErrorLevel 2
    ${EndIf}
  ${EndIf}
SectionEnd

; ---------------------------------------------------------------------------------
; Uninstall: the program, shortcuts and registry entries. Never the registrars' data
; (%LOCALAPPDATA%\marriage-counter of each user); %ProgramData%\marriage-counter
; the machine configuration only with /PURGE or when the person uninstalling says yes;
; a data_dir there is never deleted by the uninstaller (IT removes it by hand, after
; `marriage-counter sync status` shows nothing waiting).

Function un.onInit
  SetRegView 64
  !insertmacro MUI_UNGETLANGUAGE
  StrCpy $Purge 0
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/PURGE" $R1
  ${IfNot} ${Errors}
    StrCpy $Purge 1
  ${ElseIfNot} ${Silent}
    MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON2 "$(AskPurge)" IDNO +2
    StrCpy $Purge 1
  ${EndIf}
FunctionEnd

Section "Uninstall"
  SetRegView 64
  SetShellVarContext all
  ReadRegStr $R1 HKLM "${SETTINGS_KEY}" "ShortcutName"
  ${If} $R1 == ""
    StrCpy $R1 "$(AppName)"
  ${EndIf}
  Delete "$DESKTOP\$R1.lnk"
  Delete "$SMPROGRAMS\$R1\$R1.lnk"
  RMDir "$SMPROGRAMS\$R1"
  ; Only what the installer put there: $INSTDIR may be a folder IT chose that holds more.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\marriage-counter.exe"
  Delete "$INSTDIR\marriage-counter-gui.exe"
  Delete "$INSTDIR\config.example.toml"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  DeleteRegKey HKLM "${SETTINGS_KEY}"
  ${If} $Purge == 1
    ; The configuration only: a data_dir IT placed under ProgramData holds registrations
    ; that may not have reached the central store yet, and is never deleted from here.
    Delete "$APPDATA\${APP}\config.toml"
    Delete "$APPDATA\${APP}\config.toml.previous"
    RMDir "$APPDATA\${APP}"
  ${EndIf}
SectionEnd
