package farm.llama.atmosphere.plugin.router.semantic;

import farm.llama.atmosphere.spi.routing.Embedder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The example intents of every task, embedded once with one embedder, and the scoring of an
 * intent against each task by its nearest examples: a task's score is the mean similarity of the
 * intent to that task's {@link #K} nearest examples (k-NN), so one odd example decides nothing and
 * a task with many phrasings of an idea is not favoured over one with a few. Immutable and
 * thread-safe.
 */
final class ExampleIndex {

    /** How many nearest examples of a task make its score. */
    static final int K = 3;

    private final String embedderId;
    private final int dimensions;
    private final List<String> tasks;
    private final int[] taskOf;
    private final String[] text;
    private final boolean[] owner;
    /** Per example: indices of its non-zero entries (sparse) or null (dense). */
    private final int[][] index;
    private final float[][] value;

    /**
     * A task's score and the examples that decided it.
     *
     * @param task the task
     * @param score mean similarity of its nearest examples
     * @param nearest those examples, nearest first
     * @param similarity their similarities
     */
    record Score(String task, double score, List<String> nearest, List<Double> similarity) {
    }

    private ExampleIndex(String embedderId, int dimensions, List<String> tasks, List<Integer> taskOf, List<String> text,
                         List<Boolean> owner, List<float[]> vectors) {
        this.embedderId = embedderId;
        this.dimensions = dimensions;
        this.tasks = tasks;
        int n = text.size();
        this.taskOf = new int[n];
        this.text = text.toArray(String[]::new);
        this.owner = new boolean[n];
        this.index = new int[n][];
        this.value = new float[n][];
        this.curated = vectors;
        for (int i = 0; i < n; i++) {
            this.taskOf[i] = taskOf.get(i);
            this.owner[i] = owner.get(i);
            float[] v = vectors.get(i);
            int nz = 0;
            for (float x : v) {
                if (x != 0) {
                    nz++;
                }
            }
            if (nz * 3 > v.length) {
                value[i] = v;
            } else {
                index[i] = new int[nz];
                value[i] = new float[nz];
                int j = 0;
                for (int d = 0; d < v.length; d++) {
                    if (v[d] != 0) {
                        index[i][j] = d;
                        value[i][j++] = v[d];
                    }
                }
            }
        }
    }

    /** The vectors the index was made of, curated first (kept to add taught examples without embedding the curated again). */
    private final List<float[]> curated;

    /**
     * @param builtIn the curated tasks
     * @return every curated example, in index order
     */
    static List<String> curatedTexts(List<Tasks.Task> builtIn) {
        List<String> out = new ArrayList<>();
        builtIn.forEach(t -> out.addAll(t.examples()));
        return out;
    }

    /**
     * Makes the index.
     *
     * @param embedder the embedder the intents will come from
     * @param builtIn the curated tasks
     * @param curatedVectors the curated examples' vectors, in {@link #curatedTexts} order
     * @param taught the owner's examples by task (other tasks are ignored)
     * @return the index
     */
    static ExampleIndex of(Embedder embedder, List<Tasks.Task> builtIn, List<float[]> curatedVectors, Map<String, List<String>> taught) {
        List<String> names = builtIn.stream().map(Tasks.Task::name).toList();
        List<Integer> taskOf = new ArrayList<>();
        List<String> text = new ArrayList<>();
        List<Boolean> owner = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>(curatedVectors);
        for (int t = 0; t < builtIn.size(); t++) {
            for (String e : builtIn.get(t).examples()) {
                taskOf.add(t);
                text.add(e);
                owner.add(false);
            }
        }
        for (int t = 0; t < builtIn.size(); t++) {
            for (String e : taught.getOrDefault(names.get(t), List.of())) {
                taskOf.add(t);
                text.add(e);
                owner.add(true);
                vectors.add(embedder.embed(e));
            }
        }
        return new ExampleIndex(embedder.id(), embedder.dimensions(), names, taskOf, text, owner, vectors);
    }

    /**
     * Embeds every curated example and makes the index.
     *
     * @param embedder the embedder the intents will come from
     * @param builtIn the curated tasks
     * @param taught the owner's examples by task
     * @return the index
     */
    static ExampleIndex build(Embedder embedder, List<Tasks.Task> builtIn, Map<String, List<String>> taught) {
        return of(embedder, builtIn, curatedTexts(builtIn).stream().map(embedder::embed).toList(), taught);
    }

    /**
     * @param embedder the same embedder
     * @param builtIn the curated tasks
     * @param taught the owner's examples by task
     * @return this index with the taught examples replaced (the curated are not embedded again)
     */
    ExampleIndex teach(Embedder embedder, List<Tasks.Task> builtIn, Map<String, List<String>> taught) {
        int curatedCount = curatedTexts(builtIn).size();
        return of(embedder, builtIn, curated.subList(0, curatedCount), taught);
    }

    /** @return the id of the embedder the examples were embedded with */
    String embedderId() {
        return embedderId;
    }

    /**
     * @param query an intent's vector
     * @return whether it comes from this index's embedder (same length)
     */
    boolean accepts(float[] query) {
        return query.length == dimensions && dimensions > 0;
    }

    /** @return how many examples, curated and taught */
    int size() {
        return text.length;
    }

    /**
     * Scores an intent against every task.
     *
     * @param q the intent's vector (L2-normalised, from this index's embedder)
     * @return one score per task, in task order
     */
    Score[] score(float[] q) {
        int tn = tasks.size();
        // the K best similarities (and their examples) per task, kept sorted, best first
        double[][] best = new double[tn][K];
        int[][] who = new int[tn][K];
        for (double[] b : best) {
            Arrays.fill(b, Double.NEGATIVE_INFINITY);
        }
        for (int i = 0; i < text.length; i++) {
            double s = similarity(q, i);
            double[] b = best[taskOf[i]];
            if (s <= b[K - 1]) {
                continue;
            }
            int[] w = who[taskOf[i]];
            int pos = K - 1;
            while (pos > 0 && s > b[pos - 1]) {
                b[pos] = b[pos - 1];
                w[pos] = w[pos - 1];
                pos--;
            }
            b[pos] = s;
            w[pos] = i;
        }
        Score[] out = new Score[tn];
        for (int t = 0; t < tn; t++) {
            double sum = 0;
            int count = 0;
            List<String> nearest = new ArrayList<>(K);
            List<Double> sims = new ArrayList<>(K);
            for (int k = 0; k < K; k++) {
                if (best[t][k] == Double.NEGATIVE_INFINITY) {
                    break;
                }
                sum += best[t][k];
                count++;
                nearest.add(owner[who[t][k]] ? text[who[t][k]] + " (taught)" : text[who[t][k]]);
                sims.add(Math.round(best[t][k] * 10000) / 10000.0);
            }
            out[t] = new Score(tasks.get(t), count == 0 ? 0 : sum / K, List.copyOf(nearest), List.copyOf(sims));
        }
        return out;
    }

    private double similarity(float[] q, int i) {
        float[] v = value[i];
        int[] ix = index[i];
        float s = 0;
        if (ix != null) {
            for (int j = 0; j < ix.length; j++) {
                s += q[ix[j]] * v[j];
            }
            return s;
        }
        for (int d = 0; d < v.length; d++) {
            s += q[d] * v[d];
        }
        return s;
    }
}
