package farm.llama.atmosphere.plugin.router.semantic;

import farm.llama.atmosphere.spi.routing.RouteCandidate;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import farm.llama.atmosphere.spi.routing.RouteQuery;
import farm.llama.atmosphere.spi.routing.TaskMatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One decision by example: the intent's task (the best-scoring task some available type
 * serves), the type that serves it (the first of its serving types that is available: a
 * reasoning model stands in for a missing math model, a general model for a missing code model),
 * then fit and cost among the capabilities of that type (and the owner-described specialists,
 * tagged {@code project}). Text-only requests keep vision models as a last
 * resort; two tasks within {@link SemanticRouter#LOW_MARGIN} let their models and the general ones
 * compete on fit and cost, a general one first on a tie.
 */
final class ByExample {

    static final String VISION = "vision/chat";

    /**
     * Capabilities with this tag are described by their owner (a LlamaFarm project's system prompt),
     * not by the model's type: they compete by their description beside the winning type's models.
     */
    static final String SPECIALIST = "project";

    private final Set<String> specialists = new HashSet<>();

    private final SemanticRouter router;
    private final RouteQuery query;
    private final List<RouteCandidate> candidates;
    private final ExampleIndex.Score[] ranked;
    private final Map<String, List<String>> serving;

    ByExample(SemanticRouter router, RouteQuery query, List<RouteCandidate> candidates, ExampleIndex.Score[] scores) {
        this.router = router;
        this.query = query;
        this.candidates = candidates;
        this.ranked = scores.clone();
        Arrays.sort(this.ranked, Comparator.comparingDouble(ExampleIndex.Score::score).reversed()); // stable: task order breaks ties
        this.serving = router.serving();
    }

    /** @return the decision, or null when no healthy candidate serves any task */
    RouteDecision decide() {
        int n = candidates.size();
        Set<String> present = new HashSet<>();
        for (RouteCandidate c : candidates) {
            if (c.healthy()) {
                present.add(c.capability().type());
            }
        }
        boolean textRequest = query.needs().stream().anyMatch(t -> t.contains("/") && !t.equals(VISION));
        boolean textModel = present.stream().anyMatch(t -> !t.equals(VISION));
        boolean visionKeptBack = textRequest && textModel && present.contains(VISION);
        Set<String> usable = new HashSet<>(present);
        if (textRequest && textModel) {
            usable.remove(VISION);
        }
        int first = -1;
        String type = null;
        for (int t = 0; t < ranked.length && first < 0; t++) {
            type = firstUsable(ranked[t].task(), usable);
            if (type != null) {
                first = t;
            }
        }
        List<TaskMatch> tasks = matches();
        if (first < 0) {
            return null; // no healthy candidate serves any task: the caller matches descriptions
        }
        ExampleIndex.Score top = ranked[first];
        ExampleIndex.Score second = null;
        String secondType = null;
        for (int t = first + 1; t < ranked.length && second == null; t++) {
            String other = firstUsable(ranked[t].task(), usable);
            if (other != null && !other.equals(type)) {
                second = ranked[t];
                secondType = other;
            }
        }
        boolean low = second != null && top.score() - second.score() < SemanticRouter.LOW_MARGIN;
        Set<String> winning = new LinkedHashSet<>();
        winning.add(type);
        if (low) {
            winning.add(secondType);
            if (usable.contains(Tasks.GENERAL_TYPE)) {
                winning.add(Tasks.GENERAL_TYPE);
            }
        }
        double[] score = new double[n];
        double[] similarity = new double[n];
        double[] cost = new double[n];
        int[] group = new int[n];
        for (int i = 0; i < n; i++) {
            RouteCandidate c = candidates.get(i);
            if (!c.healthy()) {
                score[i] = -1;
                continue;
            }
            String t = c.capability().type();
            cost[i] = SemanticRouter.cost(c);
            double price = Math.pow(Math.max(cost[i], 1e-6), -SemanticRouter.COST_WEIGHT);
            boolean specialist = c.capability().tags().contains(SPECIALIST) && usable.contains(t);
            if (winning.contains(t) || specialist) {
                double description = router.similarity(c);
                // the winning type's models (and owner-described specialists) compete on how well their
                // description fits and on cost; on a tie between tasks a general model goes first
                group[i] = 0;
                similarity[i] = Math.round(description * 10000) / 10000.0;
                score[i] = (0.05 + Math.max(0, description)) * price * (low && !t.equals(Tasks.GENERAL_TYPE) ? 0.99 : 1.0);
                if (specialist && !winning.contains(t)) {
                    specialists.add(c.capability().name());
                }
            } else {
                // runners-up of other types: how well their type fits (their descriptions are not read: cheaper)
                group[i] = t.equals(VISION) && visionKeptBack ? 2 : 1;
                double fit = fit(t, top.score());
                double description = fit > 0 ? 0 : router.similarity(c);
                similarity[i] = fit > 0 ? Math.round(fit * top.score() * 10000) / 10000.0 : description;
                score[i] = fit > 0 ? fit * price : Math.max(0, description) * 0.5 * price;
            }
            score[i] = Math.min(1.0, score[i]);
        }
        String servedBy = type;
        ExampleIndex.Score runnerUp = second;
        String runnerUpType = secondType;
        return router.finish(query, candidates, score, similarity, cost, group, (w, kept) -> {
            StringBuilder why = new StringBuilder();
            why.append("task ").append(top.task()).append(" (").append(round(top.score()));
            if (runnerUp != null) {
                why.append(", next ").append(runnerUp.task()).append(' ').append(round(runnerUp.score()));
            }
            why.append("; nearest examples: ").append(quoted(top.nearest())).append("): ");
            why.append(w.capability().name()).append(" (").append(w.capability().type()).append(") serves it at cost ").append(w.cost());
            if (specialists.contains(w.capability().name())) {
                why.append("; a specialist (described by its owner) whose description fits best: similarity ").append(w.similarity());
            }
            String best = serving.get(top.task()).get(0);
            if (!best.equals(servedBy)) {
                why.append("; no ").append(best).append(" model is available, so ").append(servedBy).append(" stands in");
            }
            if (low) {
                why.append("; ").append(top.task()).append(" and ").append(runnerUp.task()).append(" are within ")
                        .append(SemanticRouter.LOW_MARGIN).append(" of each other: their ").append(servedBy).append(", ")
                        .append(runnerUpType).append(" and general models compete on fit and cost, a general one first on a tie");
            }
            if (visionKeptBack) {
                why.append("; the request carries no image, so vision models are only a last resort");
            } else if (textRequest && !textModel) {
                why.append("; the request carries no image, but no text model is available: a vision model serves as the last resort");
            }
            return why.toString();
        }, tasks);
    }

    /** @return the first serving type of a task that is available, or null */
    private String firstUsable(String task, Set<String> usable) {
        for (String t : serving.getOrDefault(task, List.of())) {
            if (usable.contains(t)) {
                return t;
            }
        }
        return null;
    }

    /**
     * How well a type that does not win still fits: the best of the tasks it serves, each
     * falling off with its distance from the winning task's score and its place among the task's
     * serving types. 0 for a type no task names.
     */
    private double fit(String type, double topScore) {
        return fitByType.computeIfAbsent(type, t -> fitOf(t, topScore)); // the same for every candidate of a type
    }

    private final java.util.Map<String, Double> fitByType = new java.util.HashMap<>();

    private double fitOf(String type, double topScore) {
        double best = 0;
        for (ExampleIndex.Score s : ranked) {
            List<String> types = serving.getOrDefault(s.task(), List.of());
            int position = types.indexOf(type);
            if (position >= 0) {
                best = Math.max(best, Math.exp((s.score() - topScore) / SemanticRouter.temperature()) * SemanticRouter.fallback(position));
            }
        }
        return best;
    }

    private List<TaskMatch> matches() {
        List<TaskMatch> out = new ArrayList<>(ranked.length);
        for (ExampleIndex.Score s : ranked) {
            out.add(new TaskMatch(s.task(), round(s.score()), s.nearest()));
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static String quoted(List<String> examples) {
        List<String> q = new ArrayList<>();
        for (String e : examples) {
            q.add('"' + (e.length() > 60 ? e.substring(0, 59) + "…" : e) + '"');
        }
        return q.isEmpty() ? "none" : String.join(", ", q);
    }
}
