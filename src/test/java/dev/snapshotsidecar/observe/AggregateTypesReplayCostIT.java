package dev.snapshotsidecar.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.track.HeadsQuery;
import dev.snapshotsidecar.track.StreamHead;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /aggregate-types} shows each type's estimated replay cost, over a real HTTP server. */
class AggregateTypesReplayCostIT {

    /** Two types: patients measured, with a limit, and prescriptions still on the prior. */
    static final class Sidecar implements AdminOperations {
        @Override
        public Map<String, ReplayCostEstimate> replayCosts() {
            return Map.of("patient", new ReplayCostEstimate(40, 312.4, 250_000, Optional.of(Duration.ofMillis(20))),
                    "prescription", new ReplayCostEstimate(20, 0, 0, Optional.empty()));
        }

        @Override
        public HeadStatistics localStatistics(long nowMillis) {
            // patients: tails of 100, 300 and 500 events after their snapshots
            return new HeadStatistics(Map.of("patient", new LengthDistribution(new long[]{600, 800, 1000})),
                    Map.of("patient", new LengthDistribution(new long[]{100, 300, 500})), Map.of());
        }

        @Override
        public Set<String> aggregateTypes() {
            return Set.of("patient", "prescription");
        }

        @Override
        public boolean live() {
            return true;
        }

        @Override
        public List<String> notReadyBecause() {
            return List.of();
        }

        @Override
        public boolean started() {
            return true;
        }

        @Override
        public HeadsQuery.Owner owner(String streamId) {
            return new HeadsQuery.Owner.Here();
        }

        @Override
        public Optional<StreamHead> head(String streamId) {
            return Optional.empty();
        }

        @Override
        public List<String> otherInstances() {
            return List.of();
        }

        @Override
        public LatestSnapshot latestSnapshot(String streamId, String aggregateType) {
            return new LatestSnapshot.Known(Optional.empty());
        }

        @Override
        public SnapshotRequest requestSnapshot(String streamId, StreamHead head) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long resetHead(String streamId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int requestRebuild(String aggregateType, java.time.Instant requestedAt) {
            throw new UnsupportedOperationException();
        }

        @Override
        public dev.snapshotsidecar.track.RebuildProgress rebuildProgress(String aggregateType,
                                                                          java.time.Instant requestedAt) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int trackerTasks() {
            return 4;
        }

        @Override
        public InstanceStatus instanceStatus() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long firstVersion() {
            return 0;
        }
    }

    @Test
    @DisplayName("per type: the estimate, its basis, what the tails would cost to replay, and the limit")
    void replayCost() throws Exception {
        try (AdminServer server = new AdminServer(new SidecarConfig.Http(0, "localhost", Optional.empty(), true),
                new Sidecar(), new SidecarMetrics())) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + server.port() + "/aggregate-types")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode types = new ObjectMapper().readTree(response.body()).get("aggregateTypes");
            JsonNode patient = types.get(0).get("replayCost");
            assertThat(patient.get("basis").asText()).isEqualTo("measured");
            assertThat(patient.get("microsPerEvent").asDouble()).isEqualTo(40.0);
            assertThat(patient.get("bytesPerEvent").asLong()).isEqualTo(312);
            assertThat(patient.get("measuredEvents").asLong()).isEqualTo(250_000);
            assertThat(patient.at("/eventsSinceSnapshotMillis/p50").asDouble()).as("300 events at 40 µs")
                    .isEqualTo(12.0);
            assertThat(patient.at("/eventsSinceSnapshotMillis/max").asDouble()).isEqualTo(20.0);
            assertThat(patient.get("limitMillis").asLong()).isEqualTo(20);
            JsonNode prescription = types.get(1).get("replayCost");
            assertThat(prescription.get("basis").asText()).isEqualTo("prior");
            assertThat(prescription.has("limitMillis")).isFalse();
        }
    }
}
