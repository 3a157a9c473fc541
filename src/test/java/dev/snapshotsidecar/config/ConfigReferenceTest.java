package dev.snapshotsidecar.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigReferenceTest {
    @Test
    @DisplayName("docs/configuration.md's reference is the one generated from the key definitions")
    void referenceIsCurrent() throws IOException {
        Path generated = Path.of("target", "config-reference.md");
        Files.createDirectories(generated.getParent());
        Files.writeString(generated, ConfigDefinitions.referenceTable());
        String reference = Files.readString(Path.of("docs", "configuration.md"));
        String begin = "<!-- config-reference:begin -->\n";
        String end = "<!-- config-reference:end -->";
        String current = reference.substring(reference.indexOf(begin) + begin.length(), reference.indexOf(end));
        assertThat(current).as("docs/configuration.md's table between the config-reference markers; the current one"
                + " is in " + generated).isEqualTo(ConfigDefinitions.referenceTable());
    }
}
