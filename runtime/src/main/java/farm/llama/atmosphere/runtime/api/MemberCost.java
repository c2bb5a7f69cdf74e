package farm.llama.atmosphere.runtime.api;

/**
 * The cost factors a member publishes to the mesh, coarsened so they say little about the device
 * (percentages to tens, the rest to quarters), and shown with each member.
 *
 * @param onBattery whether it runs on battery
 * @param batteryPercent its charge, to the nearest ten percent
 * @param cpuLoadPerCore load average per core, to the nearest quarter
 * @param memoryUsedPercent memory in use, to the nearest ten percent
 * @param metered whether its network is metered
 * @param overall the factor routing multiplies its cost by, to the nearest quarter
 */
public record MemberCost(boolean onBattery, double batteryPercent, double cpuLoadPerCore, double memoryUsedPercent, boolean metered,
                         double overall) {

    /**
     * @param cost a node's own cost factors
     * @return what it publishes of them
     */
    public static MemberCost coarse(CostReport cost) {
        return new MemberCost(cost.onBattery(), tens(cost.batteryPercent()), quarters(cost.cpuLoadPerCore()), tens(cost.memoryUsedPercent()),
                cost.metered(), quarters(cost.overall()));
    }

    private static double tens(double d) {
        return Math.round(d / 10) * 10.0;
    }

    private static double quarters(double d) {
        return Math.round(d * 4) / 4.0;
    }

    /**
     * @param factor the overall factor as this node takes it (clamped)
     * @return these factors with that overall factor
     */
    public MemberCost withOverall(double factor) {
        return new MemberCost(onBattery, batteryPercent, cpuLoadPerCore, memoryUsedPercent, metered, factor);
    }
}
