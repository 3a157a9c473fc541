package dev.snapshotsidecar.fold;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class AggregatorRegistryTest {
    static final String SOURCE = """
            package plugin;
            import dev.snapshotsidecar.fold.Aggregator;
            import dev.snapshotsidecar.fold.StoredEvent;
            public final class CountingAggregator implements Aggregator<Integer> {
                public String name() { return "test.counting"; }
                public Integer initialState() { return 0; }
                public Integer apply(Integer state, StoredEvent event) { return state + 1; }
                public int schemaVersion() { return 3; }
                public String toJson(Integer state) { return "{\\"count\\":" + state + "}"; }
                public Integer fromJson(String json) { return Integer.valueOf(json.replaceAll("[^0-9]", "")); }
            }
            """;

    @Test
    @DisplayName("an aggregator in a jar of the plugin directory is found next to the built-in ones")
    void pluginJar(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/plugin")).resolve("CountingAggregator.java");
        Files.writeString(src, SOURCE);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-cp", System.getProperty("java.class.path"), "-d", classes.toString(),
                src.toString());
        assertThat(rc).isZero();
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(plugins.resolve("counting.jar")))) {
            add(jar, "plugin/CountingAggregator.class",
                    Files.readAllBytes(classes.resolve("plugin/CountingAggregator.class")));
            add(jar, "META-INF/services/dev.snapshotsidecar.fold.Aggregator", "plugin.CountingAggregator\n".getBytes());
        }
        AggregatorRegistry registry = AggregatorRegistry.load(Optional.of(plugins));
        assertThat(registry.names()).contains("test.counting", "clinical.patient", "clinical.prescription");
        @SuppressWarnings("unchecked")
        Aggregator<Object> counting = (Aggregator<Object>) registry.find("test.counting").orElseThrow();
        Object state = counting.apply(counting.initialState(),
                new StoredEvent("s", 0, "E", "{}", Optional.empty(), Instant.EPOCH));
        assertThat(counting.toJson(state)).isEqualTo("{\"count\":1}");
        assertThat(counting.schemaVersion()).isEqualTo(3);
    }

    @Test
    @DisplayName("without a plugin directory only the built-in aggregators are there")
    void builtIn() {
        assertThat(AggregatorRegistry.load(Optional.empty()).find("test.counting")).isEmpty();
    }

    private static void add(JarOutputStream jar, String name, byte[] bytes) throws IOException {
        jar.putNextEntry(new JarEntry(name));
        OutputStream out = jar;
        out.write(bytes);
        jar.closeEntry();
    }
}
