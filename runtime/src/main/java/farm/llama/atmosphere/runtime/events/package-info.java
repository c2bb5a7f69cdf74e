/**
 * The node's live event stream: rising ids, a bounded history to resume from, and publishing
 * that never blocks (a subscriber that falls behind sees a gap in the ids).
 */
package farm.llama.atmosphere.runtime.events;
