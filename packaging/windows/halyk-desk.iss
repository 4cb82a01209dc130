; Inno Setup 6 script: the Windows installer of Halyk Desk, made from the PyInstaller one-folder
; build. Built by `python packaging\build.py --installer`, which passes the version kept in
; halyk_desk/__init__.py; by hand:
;   ISCC /DAppVersion=0.1.0 packaging\windows\halyk-desk.iss
; Installs for the current user by default (no administrator needed); the first page offers an
; install for all users instead. The data folder (%LOCALAPPDATA%\HalykDesk and friends) is not
; touched by the uninstaller: the shop's database outlives a reinstall.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z (packaging\build.py does)
#endif
#ifndef DistDir
  ; The one-folder build, relative to this script.
  #define DistDir "..\..\dist\halyk-desk"
#endif
#define AppName "Halyk Desk"
#define AppExe "halyk-desk.exe"

[Setup]
; Keeps upgrades and the uninstaller pointed at the same program: never change it.
AppId={{E77F01F5-419A-48C0-985E-79971D26DA9C}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=..\..\resources\icons\halyk-desk.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
OutputDir=..\..\dist
OutputBaseFilename=HalykDesk-{#AppVersion}-setup
ShowLanguageDialog=auto

[Languages]
Name: "russian"; MessagesFile: "compiler:Languages\Russian.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the bundled libraries wholesale: no stale module of the old version stays.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
