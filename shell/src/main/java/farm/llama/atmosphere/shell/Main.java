package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.config.ConfigException;
import farm.llama.atmosphere.runtime.util.Atmosphere;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.SafeText;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;

/**
 * The {@code atmosphere} command. With arguments, runs one command. Without, opens an
 * interactive shell over the same command tree (or, when standard input is not a terminal,
 * reads one command per line from it).
 */
public final class Main {

    private static final String PROMPT = "atmosphere> ";

    private Main() {
    }

    /**
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        configureLogging(System.getenv().getOrDefault("ATMOSPHERE_LOG_LEVEL", "WARNING"));
        int code = run(args, System.in, System.out, System.err, System.getenv());
        System.exit(code);
    }

    /**
     * Runs the command line (or the shell) with the given streams.
     *
     * @return the exit code: 0 success, 1 failure, 2 usage error
     */
    static int run(String[] args, InputStream in, OutputStream outStream, OutputStream errStream, Map<String, String> env) {
        // text from outside (names, answers, tool output, echoed input) never reaches the terminal raw
        PrintWriter out = new PrintWriter(SafeText.wrap(new OutputStreamWriter(outStream, StandardCharsets.UTF_8)), true);
        PrintWriter err = new PrintWriter(SafeText.wrap(new OutputStreamWriter(errStream, StandardCharsets.UTF_8)), true);
        Session session = new Session(env, out, err);
        try {
            if (isShellInvocation(args)) {
                CommandLine launch = commandLine(session);
                launch.parseArgs(args);
                boolean tty = in == System.in && System.console() != null && System.console().isTerminal();
                return tty ? interactive(session) : piped(session, in);
            }
            return commandLine(session).execute(args);
        } catch (CommandLine.ParameterException e) {
            err.println(e.getMessage());
            return 2;
        } finally {
            session.close();
            out.flush();
            err.flush();
        }
    }

    /** No command, only root options such as --data-dir: open the shell. */
    private static boolean isShellInvocation(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--data-dir")) {
                i++;
            } else if (!args[i].startsWith("--data-dir=")) {
                return false;
            }
        }
        return true;
    }

    static CommandLine commandLine(Session session) {
        CommandLine cl = new CommandLine(new RootCommand(session));
        cl.setOut(session.out);
        cl.setErr(session.err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // a usage error a command finds itself is thrown with a CommandLine of its own, whose err is System.err: say it here
        cl.setParameterExceptionHandler((ex, args) -> {
            session.err.println(ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, session.err);
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            if (ex instanceof ConfigException ce) {
                session.err.println("Configuration error; the node did not start and nothing was changed:");
                ce.problems().forEach(p -> session.err.println("  " + p));
            } else if (ex instanceof AtmosphereException) {
                session.err.println("Error: " + ex.getMessage());
            } else {
                session.err.println("Error: " + ex);
                if (System.getenv("ATMOSPHERE_DEBUG") != null) {
                    ex.printStackTrace(session.err);
                }
            }
            return 1;
        });
        return cl;
    }

    /** A log line never carries outside text raw to the terminal (a joiner's name, a member's model names). */
    private static final class SafeFormatter extends Formatter {
        private final Formatter inner;

        SafeFormatter(Formatter inner) {
            this.inner = inner;
        }

        @Override
        public String format(LogRecord r) {
            return SafeText.forTerminal(inner.format(r));
        }
    }

    /** Sets the JUL level for everything the node logs. */
    static void configureLogging(String level) {
        Level l;
        try {
            l = Level.parse(level.toUpperCase(Locale.ROOT).replace("WARN", "WARNING").replace("WARNINGING", "WARNING")
                    .replace("ERROR", "SEVERE").replace("DEBUG", "FINE").replace("TRACE", "FINEST"));
        } catch (IllegalArgumentException e) {
            l = Level.INFO;
        }
        Logger rootLogger = Logger.getLogger("");
        rootLogger.setLevel(l);
        for (Handler h : rootLogger.getHandlers()) {
            h.setLevel(l);
            Formatter inner = h.getFormatter();
            if (inner != null && !(inner instanceof SafeFormatter)) {
                h.setFormatter(new SafeFormatter(inner));
            }
        }
    }

    private static int interactive(Session session) {
        Terminal terminal;
        try {
            terminal = TerminalBuilder.builder().system(true).name("atmosphere").build();
        } catch (IOException e) {
            session.err.println("Error: cannot open the terminal: " + e.getMessage());
            return 1;
        }
        try (terminal) {
            if (terminal.getWidth() <= 0 || terminal.getHeight() <= 0) {
                // a pseudo-terminal nobody sized (script, ssh without a pty request): assume the classic size
                terminal.setSize(new Size(80, 24));
            }
            PrintWriter out = new PrintWriter(SafeText.wrap(terminal.writer()), true);
            Session shell = new Session(session.env, out, out);
            shell.dataDirFlag(Optional.of(session.dataDir().path()));
            LineReaderBuilder builder = LineReaderBuilder.builder()
                    .terminal(terminal)
                    .appName("atmosphere")
                    .completer(new ShellCompleter(shell, commandLine(shell).getCommandSpec()))
                    .parser(new DefaultParser());
            if (Files.isDirectory(shell.dataDir().path())) {
                // the history holds lines such as 'mesh join <token>': readable by this user only
                AtomicFiles.createPrivateFile(shell.dataDir().historyFile());
                builder.variable(LineReader.HISTORY_FILE, shell.dataDir().historyFile());
            }
            LineReader reader = builder.build();
            shell.lineReader = prompt -> {
                try {
                    return reader.readLine(prompt);
                } catch (UserInterruptException | EndOfFileException e) {
                    return null;
                }
            };
            out.println("Atmosphere " + Atmosphere.version() + " shell. Tab completes; 'help' lists commands; 'exit' or Ctrl-D leaves.");
            Thread notices = Thread.ofVirtual().name("atmosphere-notifications")
                    .start(() -> Notifications.follow(shell, line -> reader.printAbove(SafeText.forTerminal(line))));
            int last = 0;
            while (true) {
                String line;
                try {
                    line = reader.readLine(PROMPT);
                } catch (UserInterruptException e) {
                    continue;
                } catch (EndOfFileException e) {
                    break;
                }
                List<String> words = reader.getParsedLine().words().stream().filter(w -> !w.isEmpty()).toList();
                if (words.isEmpty()) {
                    continue;
                }
                if (isExit(words)) {
                    break;
                }
                last = execute(shell, words);
                out.flush();
            }
            notices.interrupt();
            shell.close();
            return last;
        } catch (IOException e) {
            return 1;
        }
    }

    private static int piped(Session session, InputStream in) {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        DefaultParser parser = new DefaultParser();
        int failures = 0;
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                List<String> words;
                try {
                    words = parser.parse(trimmed, trimmed.length()).words().stream().filter(w -> !w.isEmpty()).toList();
                } catch (RuntimeException e) {
                    session.err.println("Error: cannot parse line: " + e.getMessage());
                    failures++;
                    continue;
                }
                if (isExit(words)) {
                    break;
                }
                if (execute(session, words) != 0) {
                    failures++;
                }
            }
        } catch (IOException e) {
            session.err.println("Error: reading standard input: " + e.getMessage());
            return 1;
        }
        return failures == 0 ? 0 : 1;
    }

    private static boolean isExit(List<String> words) {
        return words.size() == 1 && (words.get(0).equals("exit") || words.get(0).equals("quit"));
    }

    /** Runs one shell line: {@code help [command]} or a command of the tree. */
    private static int execute(Session session, List<String> words) {
        CommandLine cl = commandLine(session);
        if (words.get(0).equals("help")) {
            CommandLine target = cl;
            for (String w : words.subList(1, words.size())) {
                CommandLine sub = target.getSubcommands().get(w);
                if (sub == null) {
                    session.err.println("Unknown command: " + String.join(" ", words.subList(1, words.size())));
                    return 2;
                }
                target = sub;
            }
            target.usage(session.out);
            if (target == cl) {
                session.out.println("Shell: 'help COMMAND' for a command's options, 'exit' or Ctrl-D to leave.");
            }
            return 0;
        }
        try {
            return cl.execute(words.toArray(String[]::new));
        } finally {
            session.close();
        }
    }
}
