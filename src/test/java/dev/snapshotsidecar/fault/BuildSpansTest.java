package dev.snapshotsidecar.fault;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BuildSpansTest {
    private static BuildSpans.Span span(String process, String stream, long start, long end) {
        return new BuildSpans.Span(process, stream, start, end, "WRITTEN");
    }

    @Test
    @DisplayName("spans of one stream that intersect in different processes overlap; touching or other streams do not")
    void overlaps() {
        BuildSpans.Overlaps o = BuildSpans.overlaps(List.of(
                span("a", "s1", 100, 200), span("b", "s1", 150, 250), // overlap across processes
                span("b", "s1", 250, 300),                            // touches the one before: no overlap
                span("a", "s2", 100, 200), span("b", "s3", 100, 200), // other streams
                span("c", "s4", 0, 1000), span("c", "s4", 10, 20)));  // within one process
        assertThat(o.spans()).isEqualTo(7);
        assertThat(o.crossProcess()).isEqualTo(1);
        assertThat(o.sameProcess()).isEqualTo(1);
        assertThat(o.examples()).hasSize(2);
    }

    @Test
    @DisplayName("the worker's span lines and the oracle's fold traces are read per process file")
    void parse(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("sidecar-1.g1.log"), String.join("\n",
                "10:00:00.000 DEBUG [snapshot-build-1] d.s.build.spans - build span stream=ledger-0001 start=100 end=180 outcome=WRITTEN",
                "10:00:00.001 INFO  [main] d.s.Sidecar - sidecar started",
                "10:00:00.002 DEBUG [snapshot-build-2] d.s.build.spans - build span stream=cart-0002 start=120 end=130 outcome=ALREADY_CURRENT"));
        Files.writeString(dir.resolve("sidecar-2.g1.log"),
                "10:00:00.000 DEBUG [snapshot-build-1] d.s.build.spans - build span stream=ledger-0001 start=170 end=300 outcome=WRITTEN\n");
        List<BuildSpans.Span> spans = BuildSpans.fromLogs(dir);
        assertThat(spans).extracting(BuildSpans.Span::stream).containsExactly("ledger-0001", "cart-0002", "ledger-0001");
        assertThat(BuildSpans.overlaps(spans).crossProcess()).isEqualTo(1);

        Files.writeString(dir.resolve("sidecar-1.g1.trace"), "1 ledger-0001 0 100 110\n1 ledger-0001 1 110 150\n"
                + "2 cart-0002 0 100 101\n");
        Files.writeString(dir.resolve("sidecar-2.g1.trace"), "1 ledger-0001 0 149 160\n");
        List<BuildSpans.Span> folds = BuildSpans.fromFoldTraces(dir);
        assertThat(folds).hasSize(3);
        assertThat(folds).filteredOn(s -> s.process().equals("sidecar-1.g1") && s.stream().equals("ledger-0001"))
                .singleElement().satisfies(s -> {
                    assertThat(s.start()).isEqualTo(100);
                    assertThat(s.end()).isEqualTo(150);
                });
        assertThat(BuildSpans.overlaps(folds).crossProcess()).isEqualTo(1);
    }
}
