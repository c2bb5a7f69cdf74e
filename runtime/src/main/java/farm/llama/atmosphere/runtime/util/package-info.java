/**
 * Small things every layer uses: the one JSON mapper, atomic file writes, file-format versions,
 * text from outside made safe for a terminal and the build's version. Depends on nothing of the runtime but the API types.
 */
package farm.llama.atmosphere.runtime.util;
