package dev.snapshotsidecar;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's own build (demo/pom.xml) runs on the product's version and the versions the product tests with. */
class DemoBuildTest {

    static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(pom);
        assertThat(m.find()).as("%s in the pom", name).isTrue();
        return m.group(1);
    }

    @Test
    @DisplayName("demo/pom.xml names the product's version and the same Kafka, Debezium, Jackson and PostgreSQL versions")
    void versionsInStep() throws Exception {
        String product = Files.readString(Path.of("pom.xml"));
        String demo = Files.readString(Path.of("demo", "pom.xml"));
        Matcher version = Pattern.compile("<artifactId>snapshot-sidecar</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(product);
        assertThat(version.find()).isTrue();
        assertThat(property(demo, "sidecar.version")).isEqualTo(version.group(1));
        for (String name : List.of("kafka.version", "debezium.version", "jackson.version", "slf4j.version",
                "postgresql.version", "zonky.version", "zonky.binaries.version")) {
            assertThat(property(demo, name)).as(name).isEqualTo(property(product, name));
        }
    }
}
