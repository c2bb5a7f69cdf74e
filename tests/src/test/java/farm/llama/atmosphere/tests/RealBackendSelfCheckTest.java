package farm.llama.atmosphere.tests;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link RealBackendTest}'s continuation check run against the test servers in place of real
 * backends, so the check itself cannot rot unnoticed where no real backend is at hand: a server
 * that continues (llama.cpp's), one that cannot (LM Studio's), and Ollama with a model whose
 * template leaves the last assistant turn open and one whose template closes it.
 */
class RealBackendSelfCheckTest {
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    @Test
    void llamaCpp() throws Exception {
        try (FakeOpenAi o = new FakeOpenAi()) {
            RealBackendTest t = new RealBackendTest();
            t.dir = dir.resolve("1");
            t.continues("openai", o.url(), "/v1", "");
        }
    }

    @Test
    void lmStudio() throws Exception {
        try (FakeOpenAi o = new FakeOpenAi()) {
            o.ownedBy = "organization_owner";
            RealBackendTest t = new RealBackendTest();
            t.dir = dir.resolve("2");
            t.continues("openai", o.url(), "/v1", "");
        }
    }

    @Test
    void ollama() throws Exception {
        try (FakeOllama o = new FakeOllama().serving("llama3.2:latest")) {
            o.templates = Map.of("llama3.2:latest", FakeOllama.OPEN_TEMPLATE);
            RealBackendTest t = new RealBackendTest();
            t.dir = dir.resolve("3");
            t.continues("ollama", o.url(), "", "");
        }
    }

    @Test
    void ollamaClosed() throws Exception {
        try (FakeOllama o = new FakeOllama().serving("llama3.2:latest")) {
            o.templates = Map.of("llama3.2:latest", FakeOllama.CLOSED_TEMPLATE);
            RealBackendTest t = new RealBackendTest();
            t.dir = dir.resolve("4");
            t.continues("ollama", o.url(), "", "");
        }
    }
}
