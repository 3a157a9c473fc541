package dev.snapshotsidecar.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The test's own computation of the digest chain the oracle aggregate folds, written apart from
 * {@link DigestChainAggregator} (which hashes field by field; here one string is hashed at once): the code is
 * deliberately not shared, so a mistake in one does not hide in the other. Immutable.
 *
 * @param digest  hex SHA-256 after {@code version}
 * @param version last version folded, -1 before the first
 * @param count   events folded
 */
record ExpectedChain(String digest, long version, long count) {
    static final ExpectedChain GENESIS = new ExpectedChain("0".repeat(64), -1, 0);
    private static final ObjectMapper JSON = new ObjectMapper();

    ExpectedChain next(long eventVersion, String eventType, String eventData) {
        String input = digest + "\n" + eventVersion + "\n" + eventType + "\n" + eventData;
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(input.getBytes(StandardCharsets.UTF_8));
            return new ExpectedChain(HexFormat.of().formatHex(hash), eventVersion, count + 1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@code snapshot_data}; empty when it is not a digest chain state at all. */
    static Optional<ExpectedChain> parse(String snapshotData) {
        try {
            JsonNode node = JSON.readTree(snapshotData);
            if (node == null || !node.path("digest").isTextual() || !node.path("version").canConvertToLong()
                    || !node.path("count").canConvertToLong()) {
                return Optional.empty();
            }
            return Optional.of(new ExpectedChain(node.get("digest").asText(), node.get("version").asLong(),
                    node.get("count").asLong()));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }
}
