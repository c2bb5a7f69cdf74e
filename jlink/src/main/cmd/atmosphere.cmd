@echo off
rem Atmosphere launcher for Windows: runs the image's JVM with the shell's module. A short-lived
rem command starts with the quick JIT only; 'serve' gets the full JIT and, as bin/atmosphere does on
rem Linux and macOS, the start-up cache: the first 'serve' in a data dir records which classes the
rem node uses (JDK AOT configuration), the next start turns that into an AOT cache in the
rem background, and every start after that uses it. Keyed by the image; ATMOSPHERE_AOT=off disables it.
setlocal EnableExtensions DisableDelayedExpansion
for %%h in ("%~dp0..") do set "ATMOSPHERE_HOME=%%~fh"
set "JAVA=%ATMOSPHERE_HOME%\bin\java.exe"
set "MAIN=farm.llama.atmosphere.shell/farm.llama.atmosphere.shell.Main"
set "NATIVE=--enable-native-access=org.jline.terminal.ffm,org.jline.nativ,ALL-UNNAMED"
set "JVM=-XX:+UseSerialGC -Xss512k"
set "AOTLOG=-Xlog:aot*=off -Xlog:cds*=off"

rem the background half of the start-up cache (see below): turn a recorded configuration into a cache
if "%~1"=="--atmosphere-aot-create" (
  "%JAVA%" %JVM% %NATIVE% "-Datmosphere.home=%ATMOSPHERE_HOME%" -XX:AOTMode=create "-XX:AOTConfiguration=%~2" ^
    "-XX:AOTCache=%~3.tmp" %AOTLOG% -m %MAIN% --version >nul 2>&1 && move /y "%~3.tmp" "%~3" >nul 2>&1
  del /q "%~2" "%~3.tmp" >nul 2>&1
  exit /b 0
)

set "SERVE="
set "DATA=%ATMOSPHERE_DATA_DIR%"
if not defined DATA set "DATA=%USERPROFILE%\.atmosphere"
rem cmd splits --data-dir=X at the '=' too, so one rule reads both spellings
set "PREV="
for %%a in (%*) do call :arg "%%~a"

if not defined SERVE (
  set "JVM=%JVM% -XX:TieredStopAtLevel=1"
  goto run
)
if /i "%ATMOSPHERE_AOT%"=="off" goto run
if not exist "%DATA%\" goto run
set "VERSION=dev"
if exist "%ATMOSPHERE_HOME%\VERSION" set /p VERSION=<"%ATMOSPHERE_HOME%\VERSION"
set "STAMP=0"
if exist "%ATMOSPHERE_HOME%\lib\atmosphere-build-id" set /p STAMP=<"%ATMOSPHERE_HOME%\lib\atmosphere-build-id"
set "CACHEDIR=%DATA%\cache"
set "CACHE=%CACHEDIR%\atmosphere-%VERSION%-%STAMP%.aot"
set "CONF=%CACHEDIR%\atmosphere-%VERSION%-%STAMP%.aotconf"
if not exist "%CACHEDIR%\" mkdir "%CACHEDIR%" >nul 2>&1
if not exist "%CACHEDIR%\" goto run
rem caches of other images are of no use any more
for %%f in ("%CACHEDIR%\atmosphere-*.aot" "%CACHEDIR%\atmosphere-*.aotconf") do (
  if /i not "%%~ff"=="%CACHE%" if /i not "%%~ff"=="%CONF%" del /q "%%~ff" >nul 2>&1
)
for %%f in ("%CACHE%") do if exist "%%~ff" if %%~zf GTR 0 (
  set "JVM=%JVM% "-XX:AOTCache=%CACHE%" %AOTLOG%"
  goto run
)
for %%f in ("%CONF%") do if exist "%%~ff" if %%~zf GTR 0 (
  start "" /b "%~f0" --atmosphere-aot-create "%CONF%" "%CACHE%"
  goto run
)
rem record only when no node runs in this data dir (its recording would be overwritten by ours)
set "PID="
if exist "%DATA%\node.json" for /f "tokens=2 delims=:, " %%p in ('findstr /c:"\"pid\"" "%DATA%\node.json"') do set "PID=%%p"
if defined PID tasklist /fi "PID eq %PID%" /nh 2>nul | findstr /b /c:"java.exe" >nul && goto run
set "JVM=%JVM% -XX:AOTMode=record "-XX:AOTConfiguration=%CONF%" %AOTLOG%"

:run
"%JAVA%" %JVM% %ATMOSPHERE_JAVA_OPTS% %NATIVE% "-Datmosphere.home=%ATMOSPHERE_HOME%" -m %MAIN% %*
exit /b %ERRORLEVEL%

:arg
if /i "%PREV%"=="--data-dir" set "DATA=%~1"
if /i "%~1"=="serve" set "SERVE=1"
set "PREV=%~1"
exit /b 0
