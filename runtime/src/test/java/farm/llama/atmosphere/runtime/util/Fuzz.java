package farm.llama.atmosphere.runtime.util;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Seeded-random fuzzing in plain JUnit: mutations of valid inputs (bit flips, byte changes,
 * insertions, deletions, repeats, truncations, splices, huge numbers), random bytes, and a fixed
 * list of seeds, then — only when asked with {@code -Dfuzz.seconds=N} — random seeds for N seconds.
 * The target must accept an input or refuse it with one of the documented exceptions; anything
 * else — and allocating more than the bound — fails the test, naming the seed and the input so it
 * can be kept as a regression case.
 *
 * <p>The test command runs the fixed seeds only, so it passes or fails the same way on every run;
 * the random part is for looking for new cases ({@code ./mvnw test -Dfuzz.seconds=60}), and what it
 * finds is kept as a regression input.
 */
public final class Fuzz {

    /** The fixed seeds every run starts with. */
    public static final long[] SEEDS = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 10946};
    /** Cases per fixed seed. */
    public static final int CASES_PER_SEED = 25;
    /** How long the random part runs per parser: none unless {@code -Dfuzz.seconds} is given. */
    public static final Duration RANDOM_RUN = Duration.ofSeconds(Long.getLong("fuzz.seconds", 0));

    /** What is fuzzed: parse the input; throw only what the parser documents. */
    @FunctionalInterface
    public interface Target {
        /**
         * @param input the bytes
         * @throws Exception what the parser throws
         */
        void accept(byte[] input) throws Exception;
    }

    private static final Method ALLOCATED = allocatedBytes();

    private Fuzz() {
    }

    private static Method allocatedBytes() {
        try {
            Method m = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
            m.invoke(ManagementFactory.getThreadMXBean());
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // this JVM does not count: the bound is not checked
        }
    }

    private static long allocated() {
        try {
            return ALLOCATED == null ? 0 : (long) ALLOCATED.invoke(ManagementFactory.getThreadMXBean());
        } catch (ReflectiveOperationException e) {
            return 0;
        }
    }

    /**
     * Runs the fixed seeds, then random seeds until {@link #RANDOM_RUN} has passed.
     *
     * @param name what is fuzzed (for failures)
     * @param valid valid inputs to mutate (at least one)
     * @param documented the exceptions the parser may throw to refuse an input
     * @param maxAllocation the most one call may allocate, in bytes (beyond 64 times its input)
     * @param target the parser
     * @return how many inputs were tried
     */
    public static int run(String name, List<byte[]> valid, Set<Class<? extends Throwable>> documented, long maxAllocation, Target target) {
        return run(name, valid, documented, maxAllocation, CASES_PER_SEED, target);
    }

    /**
     * As {@link #run(String, List, Set, long, Target)}, with fewer cases per fixed seed for a slow target.
     *
     * @param name what is fuzzed (for failures)
     * @param valid valid inputs to mutate (at least one)
     * @param documented the exceptions the parser may throw to refuse an input
     * @param maxAllocation the most one call may allocate, in bytes (beyond 64 times its input)
     * @param casesPerSeed inputs per fixed seed
     * @param target the parser
     * @return how many inputs were tried
     */
    public static int run(String name, List<byte[]> valid, Set<Class<? extends Throwable>> documented, long maxAllocation, int casesPerSeed,
                          Target target) {
        return run(name, List.of(), valid, documented, maxAllocation, casesPerSeed, target);
    }

    /**
     * As {@link #run(String, List, Set, long, int, Target)}, first judging inputs an earlier run found.
     *
     * @param name what is fuzzed (for failures)
     * @param regressions inputs once found to fail, judged like mutations before anything else
     * @param valid valid inputs to mutate (at least one)
     * @param documented the exceptions the parser may throw to refuse an input
     * @param maxAllocation the most one call may allocate, in bytes (beyond 64 times its input)
     * @param casesPerSeed inputs per fixed seed
     * @param target the parser
     * @return how many inputs were tried
     */
    public static int run(String name, List<byte[]> regressions, List<byte[]> valid, Set<Class<? extends Throwable>> documented,
                          long maxAllocation, int casesPerSeed, Target target) {
        for (byte[] v : valid) {
            try {
                target.accept(v); // warm up: classes loaded and caches built are not the input's doing
            } catch (Throwable t) {
                // a valid input may be refused here (replayed, say): only the mutations are judged
            }
        }
        int cases = 0;
        for (byte[] input : regressions) {
            judge(name, "regression " + cases++, input, documented, maxAllocation, target);
        }
        for (long seed : SEEDS) {
            cases += runSeed(name, seed, casesPerSeed, valid, documented, maxAllocation, target);
        }
        long end = System.nanoTime() + RANDOM_RUN.toNanos();
        Random seeds = new Random();
        while (System.nanoTime() < end) {
            cases += runSeed(name, seeds.nextLong(), casesPerSeed, valid, documented, maxAllocation, target);
        }
        return cases;
    }

    private static int runSeed(String name, long seed, int n, List<byte[]> valid, Set<Class<? extends Throwable>> documented,
                               long maxAllocation, Target target) {
        Random random = new Random(seed);
        for (int i = 0; i < n; i++) {
            judge(name, "seed " + seed + " case " + i, input(random, valid), documented, maxAllocation, target);
        }
        return n;
    }

    private static void judge(String name, String which, byte[] input, Set<Class<? extends Throwable>> documented, long maxAllocation,
                              Target target) {
        long before = allocated();
        try {
            target.accept(input);
        } catch (Throwable t) {
            if (documented.stream().noneMatch(d -> d.isInstance(t))) {
                throw new AssertionError(name + ": " + which + " threw " + t + " for " + show(input), t);
            }
        }
        long used = allocated() - before;
        if (ALLOCATED != null && used > maxAllocation + 64L * input.length) {
            throw new AssertionError(name + ": " + which + " allocated " + used + " bytes for " + input.length + " input bytes: " + show(input));
        }
    }

    /** @return a mutation of a valid input, or random bytes */
    static byte[] input(Random r, List<byte[]> valid) {
        byte[] base = valid.get(r.nextInt(valid.size()));
        int kind = r.nextInt(10);
        List<Byte> b = new ArrayList<>(base.length + 16);
        for (byte x : base) {
            b.add(x);
        }
        switch (kind) {
            case 0 -> {
                byte[] out = new byte[r.nextInt(2048)];
                r.nextBytes(out);
                return out;
            }
            case 1 -> {
                return java.util.Arrays.copyOf(base, base.length == 0 ? 0 : r.nextInt(base.length));
            }
            case 2 -> {
                byte[] other = valid.get(r.nextInt(valid.size()));
                int cut = base.length == 0 ? 0 : r.nextInt(base.length);
                int from = other.length == 0 ? 0 : r.nextInt(other.length);
                byte[] out = new byte[cut + other.length - from];
                System.arraycopy(base, 0, out, 0, cut);
                System.arraycopy(other, from, out, cut, other.length - from);
                return out;
            }
            case 3 -> {
                // a huge number where a length or count may be read
                byte[] huge = (r.nextBoolean() ? "99999999999999999999" : String.valueOf(Long.MAX_VALUE)).getBytes(StandardCharsets.US_ASCII);
                int at = b.isEmpty() ? 0 : r.nextInt(b.size());
                for (int k = huge.length - 1; k >= 0; k--) {
                    b.add(at, huge[k]);
                }
            }
            default -> {
                int edits = 1 + r.nextInt(8);
                for (int e = 0; e < edits; e++) {
                    int op = r.nextInt(5);
                    int at = b.isEmpty() ? 0 : r.nextInt(b.size());
                    if (op == 0 && !b.isEmpty()) {
                        b.set(at, (byte) (b.get(at) ^ (1 << r.nextInt(8))));
                    } else if (op == 1 && !b.isEmpty()) {
                        b.set(at, (byte) (r.nextBoolean() ? 0xFF : r.nextInt(256)));
                    } else if (op == 2) {
                        b.add(at, (byte) r.nextInt(256));
                    } else if (op == 3 && !b.isEmpty()) {
                        int len = Math.min(b.size() - at, 1 + r.nextInt(16));
                        b.subList(at, at + len).clear();
                    } else if (!b.isEmpty()) {
                        int len = Math.min(b.size() - at, 1 + r.nextInt(16));
                        List<Byte> copy = new ArrayList<>(b.subList(at, at + len));
                        b.addAll(at, copy);
                    }
                }
            }
        }
        byte[] out = new byte[b.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i);
        }
        return out;
    }

    private static String show(byte[] input) {
        String hex = HexFormat.of().formatHex(input, 0, Math.min(input.length, 512));
        return "[" + input.length + " bytes] " + hex + (input.length > 512 ? "…" : "");
    }
}
