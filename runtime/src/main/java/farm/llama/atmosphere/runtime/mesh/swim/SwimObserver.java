package farm.llama.atmosphere.runtime.mesh.swim;

import farm.llama.atmosphere.runtime.mesh.swim.SwimMessage.Update;

/** What a node observes, for the simulator and the event stream. */
public interface SwimObserver {
    /** @param observer who noticed, @param member about whom, @param state the new state, @param now when */
    void stateChanged(String observer, String member, MemberState state, long now);

    /** @param observer who learned it, @param member whose capabilities, @param version the version, @param now when */
    void capabilitiesLearned(String observer, String member, long version, long now);

    /** @param member answered a direct probe, @param rttMs after this many ms */
    default void acked(String member, long rttMs) {
    }

    /** @param from passed on a statement that was not taken, @param update it, @param why the check's finding */
    default void refused(String from, Update update, Statements.Check why) {
    }
}
