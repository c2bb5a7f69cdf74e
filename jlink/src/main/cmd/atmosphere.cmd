@echo off
rem Atmosphere launcher for Windows: runs the image's JVM with the shell's module. A short-lived
rem command starts with the quick JIT only; 'serve' gets the full JIT.
setlocal
set "ATMOSPHERE_HOME=%~dp0.."
set "JIT=-XX:TieredStopAtLevel=1"
for %%a in (%*) do if /i "%%~a"=="serve" set "JIT="
"%ATMOSPHERE_HOME%\bin\java.exe" -XX:+UseSerialGC -Xss512k %JIT% %ATMOSPHERE_JAVA_OPTS% ^
  --enable-native-access=org.jline.terminal.ffm,org.jline.nativ,ALL-UNNAMED ^
  "-Datmosphere.home=%ATMOSPHERE_HOME%" ^
  -m farm.llama.atmosphere.shell/farm.llama.atmosphere.shell.Main %*
exit /b %ERRORLEVEL%
