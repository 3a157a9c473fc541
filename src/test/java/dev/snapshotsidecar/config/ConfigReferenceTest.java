package dev.snapshotsidecar.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigReferenceTest {
    @Test
    @DisplayName("README's configuration reference is the one generated from the key definitions")
    void readmeIsCurrent() throws IOException {
        Path generated = Path.of("target", "config-reference.md");
        Files.createDirectories(generated.getParent());
        Files.writeString(generated, ConfigDefinitions.referenceTable());
        String readme = Files.readString(Path.of("README.md"));
        String begin = "<!-- config-reference:begin -->\n";
        String end = "<!-- config-reference:end -->";
        String current = readme.substring(readme.indexOf(begin) + begin.length(), readme.indexOf(end));
        assertThat(current).as("README.md's table between the config-reference markers; the current one is in "
                + generated).isEqualTo(ConfigDefinitions.referenceTable());
    }
}
