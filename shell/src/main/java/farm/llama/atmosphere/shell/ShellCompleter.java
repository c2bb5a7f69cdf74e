package farm.llama.atmosphere.shell;

import farm.llama.atmosphere.runtime.api.ToolReport;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import picocli.AutoComplete;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Tab completion for the shell: commands, options and enum values at every level from picocli's
 * model, plus tool names after {@code tool run} and {@code tool info}, asked of the node.
 */
final class ShellCompleter implements Completer {

    private static final long TOOL_CACHE_NANOS = 10_000_000_000L;

    private final Session session;
    private final CommandSpec spec;
    private List<String> toolNames = List.of();
    private long toolsFetched;

    ShellCompleter(Session session, CommandSpec spec) {
        this.session = session;
        this.spec = spec;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        List<String> words = line.words();
        int index = line.wordIndex();
        String word = line.word();
        String prefix = word.substring(0, Math.min(line.wordCursor(), word.length()));
        if (index == 0) {
            for (String extra : List.of("help", "exit")) {
                if (extra.startsWith(prefix)) {
                    candidates.add(new Candidate(extra, extra, null, null, null, null, true));
                }
            }
        }
        if (index == 2 && words.get(0).equals("tool") && (words.get(1).equals("run") || words.get(1).equals("info"))) {
            for (String name : tools()) {
                if (name.startsWith(prefix)) {
                    candidates.add(new Candidate(name, name, "tools", null, null, null, true));
                }
            }
            return;
        }
        List<CharSequence> found = new ArrayList<>();
        AutoComplete.complete(spec, words.toArray(String[]::new), index, line.wordCursor(), line.cursor(), found);
        for (CharSequence suffix : found) {
            String value = prefix + suffix;
            candidates.add(new Candidate(value, value, null, null, null, null, true));
        }
    }

    private synchronized List<String> tools() {
        if (System.nanoTime() - toolsFetched > TOOL_CACHE_NANOS) {
            try {
                toolNames = session.api().tools().stream().map(ToolReport::name).toList();
            } catch (RuntimeException e) {
                toolNames = List.of();
            } finally {
                session.close();
            }
            toolsFetched = System.nanoTime();
        }
        return toolNames;
    }
}
