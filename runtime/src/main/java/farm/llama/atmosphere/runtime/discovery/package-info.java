/**
 * Finding backends: runs the discovery plugins on an interval, keeps each backend's state and
 * capabilities, and caps the requests each backend runs at once.
 */
package farm.llama.atmosphere.runtime.discovery;
