package dev.snapshotsidecar.observe;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ForwardSignatureTest {
    static final Instant NOW = Instant.parse("2026-11-03T10:15:30Z");
    static final ForwardSignature SIGNER = signer("token-1", NOW);

    static ForwardSignature signer(String token, Instant now) {
        return new ForwardSignature(token, Clock.fixed(now, ZoneOffset.UTC));
    }

    static Optional<String> check(ForwardSignature receiver, String method, String target, Map<String, String> headers) {
        return receiver.refuse(method, target, Optional.ofNullable(headers.get(ForwardSignature.TIMESTAMP)),
                Optional.ofNullable(headers.get(ForwardSignature.SIGNATURE)));
    }

    @Test
    @DisplayName("a request signed with the shared token is accepted, and the headers do not carry the token")
    void accepted() {
        Map<String, String> headers = SIGNER.headers("GET", "/streams/patient-50%25");
        assertThat(check(SIGNER, "GET", "/streams/patient-50%25", headers)).isEmpty();
        assertThat(headers.keySet()).containsExactlyInAnyOrder(ForwardSignature.TIMESTAMP, ForwardSignature.SIGNATURE);
        assertThat(headers.values()).noneMatch(v -> v.contains("token-1"));
        assertThat(headers.get(ForwardSignature.TIMESTAMP)).isEqualTo(Long.toString(NOW.getEpochSecond()));
    }

    @Test
    @DisplayName("a signature is refused for another method, another target or another token")
    void boundToRequestAndKey() {
        Map<String, String> headers = SIGNER.headers("GET", "/streams/patient-1");
        assertThat(check(SIGNER, "POST", "/streams/patient-1", headers)).get().asString().contains("does not match");
        assertThat(check(SIGNER, "GET", "/streams/patient-2", headers)).get().asString().contains("does not match");
        assertThat(check(SIGNER, "GET", "/streams/patient-1?scope=local", headers)).isPresent();
        assertThat(check(signer("token-2", NOW), "GET", "/streams/patient-1", headers)).get().asString()
                .contains("same http.admin-token");
    }

    @Test
    @DisplayName("a signature is accepted within 30 s of the receiver's clock either way, and refused beyond")
    void window() {
        Map<String, String> headers = SIGNER.headers("GET", "/streams/patient-1");
        assertThat(check(signer("token-1", NOW.plusSeconds(30)), "GET", "/streams/patient-1", headers)).isEmpty();
        assertThat(check(signer("token-1", NOW.minusSeconds(30)), "GET", "/streams/patient-1", headers)).isEmpty();
        assertThat(check(signer("token-1", NOW.plus(Duration.ofSeconds(31))), "GET", "/streams/patient-1", headers))
                .get().asString().contains("31 s");
        assertThat(check(signer("token-1", NOW.minusSeconds(31)), "GET", "/streams/patient-1", headers)).isPresent();
    }

    @Test
    @DisplayName("missing or malformed headers are refused with a reason")
    void malformed() {
        String signature = SIGNER.headers("GET", "/x").get(ForwardSignature.SIGNATURE);
        String now = Long.toString(NOW.getEpochSecond());
        assertThat(SIGNER.refuse("GET", "/x", Optional.empty(), Optional.of(signature))).get().asString()
                .contains(ForwardSignature.TIMESTAMP);
        assertThat(SIGNER.refuse("GET", "/x", Optional.of(now), Optional.empty())).isPresent();
        assertThat(SIGNER.refuse("GET", "/x", Optional.of("yesterday"), Optional.of(signature))).get().asString()
                .contains("epoch seconds");
        assertThat(SIGNER.refuse("GET", "/x", Optional.of(now), Optional.of(signature.substring(3)))).get()
                .asString().contains("v1=");
        assertThat(SIGNER.refuse("GET", "/x", Optional.of(now), Optional.of("v1=not base64!"))).isPresent();
        assertThat(SIGNER.refuse("GET", "/x", Optional.of(now), Optional.of("v1="))).isPresent();
    }
}
