package farm.llama.atmosphere.runtime.routing;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.routing.Router;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Hands the owner's examples to the router in use (after every plugin change too) and turns route
 * feedback into one more example of the right task. Thread-safe.
 */
public final class RouteTeaching {

    private static final System.Logger LOG = System.getLogger(RouteTeaching.class.getName());

    private final RouteExamples examples;
    private final java.util.function.Supplier<RoutingEngine> engine;

    RouteTeaching(RouteExamples examples, java.util.function.Supplier<RoutingEngine> engine) {
        this.examples = examples;
        this.engine = engine;
    }

    /**
     * Teaches the engine's router, if it has one; warns about configured tasks it does not know.
     *
     * @param engine the router and embedder in use (or about to be)
     */
    void teach(RoutingEngine engine) {
        engine.router().ifPresent(r -> {
            for (String task : examples.configuredTasks()) {
                if (!r.tasks().containsKey(task)) {
                    LOG.log(System.Logger.Level.WARNING, () -> "routing.examples." + task + ": the router knows no task '" + task
                            + "' (it knows " + String.join(", ", r.tasks().keySet()) + "); these examples are not used.");
                }
            }
            try {
                r.teach(examples.all());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, () -> "The router did not take the owner's examples: " + e);
            }
        });
    }

    /**
     * Teaches the router in use that an intent belongs to a task (the request went to the wrong
     * kind of model): the intent becomes one of this node's examples of that task.
     *
     * @param intent the intent
     * @param task a task the router knows ({@code code}), or a capability type that serves one first ({@code llm/code})
     * @return what was learned
     * @throws CallFailedException INVALID_REQUEST for an unknown task or a router that does not route by example;
     *         INTERNAL when the example cannot be saved
     */
    public RouteExamples.Learned feedback(String intent, String task) {
        RoutingEngine engine = this.engine.get();
        Router r = engine.router().orElseThrow(() -> new CallFailedException(FailureKind.INVALID_REQUEST,
                "No router is loaded, so there is nothing to teach. Enable one: atmosphere plugin enable router-semantic"));
        Map<String, List<String>> tasks = r.tasks();
        if (tasks.isEmpty()) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "The router in use does not route by example, so it cannot be taught.");
        }
        String name = tasks.containsKey(task) ? task : tasks.entrySet().stream()
                .filter(t -> !t.getValue().isEmpty() && t.getValue().get(0).equals(task)).map(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new CallFailedException(FailureKind.INVALID_REQUEST, "Unknown task '" + task + "'. Name one of: "
                        + String.join(", ", tasks.keySet()) + " (or the type that serves it first, such as "
                        + tasks.values().iterator().next().get(0) + ")."));
        String text = intent.strip();
        if (text.isEmpty()) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "The intent is empty: give the text of the request that went to the wrong model.");
        }
        int learned;
        try {
            learned = examples.learn(name, text);
        } catch (IOException e) {
            throw new CallFailedException(FailureKind.INTERNAL, "The example could not be saved (" + e.getMessage() + "); nothing was changed.");
        }
        teach(engine);
        return new RouteExamples.Learned(name, text, learned);
    }
}
