; Inno Setup 6 script: the Windows installer of p311desk (per user, no administrator rights).
; Built by .github/workflows/installers.yml on a hosted Windows runner, after PyInstaller made
; dist\p311desk (installers\p311desk.spec). By hand, from this folder:
;   ISCC.exe /DAppVersion=0.1.0 [/DIconFile=..\..\build\icons\p311desk.ico] p311desk.iss
; The file is UTF-8 with a byte-order mark: Inno Setup reads it as UTF-8 only with one.
;
; Upgrades: the same AppId every version, so a newer installer replaces the program in the same
; folder; the user data folder (%LOCALAPPDATA%\p311desk: the database, its backups, the logs) is
; not written by Setup and never removed by the uninstaller. The next start upgrades the database
; after copying it aside.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z p311desk.iss (the workflow reads p311desk.__version__)
#endif
#ifndef DistDir
  #define DistDir "..\..\dist\p311desk"
#endif

[Setup]
AppId={{AF403508-133A-4E7E-B87B-4D9515E20F9F}
AppName=p311desk
AppVersion={#AppVersion}
AppVerName=p311desk {#AppVersion}
AppPublisher=p311desk
AppComments=Participation sessions, offline, synchronised with Decidim
; Per user: %LOCALAPPDATA%\Programs\p311desk and the user's Start menu, no UAC prompt.
PrivilegesRequired=lowest
DefaultDirName={autopf}\p311desk
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 runs on Windows 10 and later.
MinVersion=10.0
; A running p311desk is asked to close before its files are replaced.
CloseApplications=yes
RestartApplications=no
OutputDir=..\..\dist
OutputBaseFilename=p311desk-{#AppVersion}-windows-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ShowLanguageDialog=auto
UninstallDisplayName=p311desk
UninstallDisplayIcon={app}\p311desk.exe
#ifdef IconFile
SetupIconFile={#IconFile}
#endif

[Languages]
Name: "ca"; MessagesFile: "compiler:Languages\Catalan.isl"
Name: "es"; MessagesFile: "compiler:Languages\Spanish.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
ca.CommandLine=Línia d'ordres de p311desk
es.CommandLine=Línea de comandos de p311desk
en.CommandLine=p311desk command line

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An older version's libraries never mix with the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\p311desk"; Filename: "{app}\p311desk.exe"
Name: "{autoprograms}\{cm:CommandLine}"; Filename: "{cmd}"; Parameters: "/k ""{app}\p311desk-cli.exe"" --help"; WorkingDir: "{userdocs}"
Name: "{autodesktop}\p311desk"; Filename: "{app}\p311desk.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\p311desk.exe"; Description: "{cm:LaunchProgram,p311desk}"; Flags: nowait postinstall skipifsilent
