package farm.llama.atmosphere.runtime.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * This node's cost factors ({@code GET /api/v1/cost}, {@code cost --json}).
 *
 * @param nodeId the node
 * @param onBattery whether it runs on battery
 * @param batteryPercent its charge, in percent
 * @param cpuLoadPerCore load average per core
 * @param memoryUsedPercent memory in use, in percent
 * @param metered whether its network is metered
 * @param multipliers each factor's multiplier by name ({@code cpu}, {@code memory}, {@code power}, {@code gpu})
 * @param overall their product
 */
public record CostReport(String nodeId, boolean onBattery, int batteryPercent, double cpuLoadPerCore, double memoryUsedPercent,
                         boolean metered, Map<String, Double> multipliers, double overall) {

    /** Copies. */
    public CostReport {
        multipliers = Collections.unmodifiableMap(new LinkedHashMap<>(multipliers));
    }
}
