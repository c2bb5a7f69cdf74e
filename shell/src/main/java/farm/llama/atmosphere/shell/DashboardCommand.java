package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeClient;
import farm.llama.atmosphere.runtime.api.UiLogin;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code atmosphere dashboard}: opens the dashboard signed in with the admin token's rights. The
 * token never leaves the CLI: the node hands out a single-use sign-in code, which goes into a
 * private (0600) page that redirects the browser to {@code /ui/login#code=…} — so the code is on
 * no process's command line, and the fragment is never sent to the server.
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = {"Open the web dashboard of the node serving this data dir, signed in with its admin rights "
                + "(a sign-in code that works once, for ui.login-code-ttl; the admin token is never put in a URL)."})
final class DashboardCommand implements Callable<Integer> {

    /** The sign-in page's name in the data dir. */
    static final String PAGE = "dashboard.html";

    @ParentCommand
    RootCommand root;

    @Option(names = "--no-open", description = "Print where the sign-in page is instead of opening a browser.")
    boolean noOpen;

    @Override
    public Integer call() throws IOException {
        Session s = root.session;
        DataDir dir = s.dataDir();
        NodeClient node = s.remote().orElseThrow(() -> new AtmosphereException(
                "No node serves " + dir.path() + ". Start one with 'atmosphere serve', then run 'atmosphere dashboard' again."));
        UiLogin login = node.uiLoginCode();
        String base = node.base().toString().replaceAll("/+$", "");
        String target = base + "/ui/login#code=" + login.code();
        Path page = page(dir);
        AtomicFiles.writeString(page, "<!doctype html>\n<meta charset=\"utf-8\">\n<meta name=\"referrer\" content=\"no-referrer\">\n"
                + "<meta http-equiv=\"refresh\" content=\"0; url=" + target + "\">\n<title>Atmosphere</title>\n"
                + "<p><a href=\"" + target + "\">Open the Atmosphere dashboard</a> (this link works once, for "
                + login.expiresInSeconds() + " s).</p>\n", AtomicFiles.PRIVATE);
        String url = page.toUri().toString();
        s.out.println("Dashboard: " + base + "/ui/");
        if (noOpen || !open(url)) {
            s.out.println("Sign in: open " + url + " in a browser on this machine (it works once, for " + login.expiresInSeconds() + " s).");
        } else {
            s.out.println("Opened a browser on the sign-in page (" + page + "); it works once, for " + login.expiresInSeconds() + " s.");
        }
        return 0;
    }

    /** @return the data dir's sign-in page, or a private temporary one when this user may not write there (a system node) */
    private static Path page(DataDir dir) throws IOException {
        if (Files.isDirectory(dir.path()) && Files.isWritable(dir.path())) {
            return dir.path().resolve(PAGE);
        }
        return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? Files.createTempFile("atmosphere-dashboard-", ".html", PosixFilePermissions.asFileAttribute(AtomicFiles.PRIVATE))
                : Files.createTempFile("atmosphere-dashboard-", ".html");
    }

    /** @return whether a browser opener took the URL (xdg-open, open, or start) */
    private static boolean open(String url) {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        List<String> cmd = os.contains("win") ? List.of("cmd", "/c", "start", "", url)
                : os.contains("mac") ? List.of("open", url) : List.of("xdg-open", url);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
