package dev.snapshotsidecar.observe;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Authenticates a request one instance forwards to another without passing any credential on: an HMAC-SHA256 keyed
 * by the shared {@code http.admin-token} over the method, the raw request target (path and query, exactly as sent)
 * and the time of signing, carried in {@value #TIMESTAMP} (epoch seconds) and {@value #SIGNATURE}
 * ({@code v1=<base64>}). The receiver accepts a signature made within {@link #WINDOW} of its own clock, either way.
 *
 * <p>The token never leaves the instance. Within the window a captured request can be replayed to the same
 * target; that gives nothing a repeat of the original would not (a lookup, or a manual snapshot request, which is
 * idempotent). The signature authenticates, it does not encrypt: forwarded replies travel as plain HTTP, as
 * before. Immutable and thread-safe.
 */
final class ForwardSignature {
    static final String TIMESTAMP = "X-Sidecar-Timestamp";
    static final String SIGNATURE = "X-Sidecar-Signature";
    static final Duration WINDOW = Duration.ofSeconds(30);
    private static final String ALGORITHM = "HmacSHA256";
    private static final String VERSION = "v1=";
    /** Keeps these MACs apart from any other use of the same token. */
    private static final String CONTEXT = "snapshot-sidecar forwarded request v1";

    private final SecretKeySpec key;
    private final Clock clock;

    ForwardSignature(String token, Clock clock) {
        this.key = new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), ALGORITHM);
        this.clock = clock;
    }

    /** The headers that authenticate a forwarded request, signed now: header name to value. */
    Map<String, String> headers(String method, String rawTarget) {
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        return Map.of(TIMESTAMP, timestamp, SIGNATURE, VERSION + Base64.getEncoder().encodeToString(
                mac(method, rawTarget, timestamp)));
    }

    /**
     * Checks a received request.
     *
     * @return why it is refused, for the 401 reply; empty when the signature is valid and recent
     */
    Optional<String> refuse(String method, String rawTarget, Optional<String> timestamp, Optional<String> signature) {
        if (timestamp.isEmpty() || signature.isEmpty()) {
            return Optional.of("a forwarded request needs the " + TIMESTAMP + " and " + SIGNATURE + " headers");
        }
        long signedAt;
        try {
            signedAt = Long.parseLong(timestamp.get());
        } catch (NumberFormatException e) {
            return Optional.of(TIMESTAMP + " must be epoch seconds");
        }
        long skew = Math.abs(clock.instant().getEpochSecond() - signedAt);
        if (skew > WINDOW.toSeconds()) {
            return Optional.of("the forwarded request was signed " + skew + " s away from this instance's clock; at"
                    + " most " + WINDOW.toSeconds() + " s are accepted (are the clocks in sync?)");
        }
        if (!signature.get().startsWith(VERSION)) {
            return Optional.of(SIGNATURE + " must be " + VERSION + "<base64 HMAC-SHA256>");
        }
        byte[] received;
        try {
            received = Base64.getDecoder().decode(signature.get().substring(VERSION.length()));
        } catch (IllegalArgumentException e) {
            return Optional.of(SIGNATURE + " must be " + VERSION + "<base64 HMAC-SHA256>");
        }
        if (!MessageDigest.isEqual(mac(method, rawTarget, timestamp.get()), received)) {
            return Optional.of("the forwarded request's signature does not match (do all instances share the same"
                    + " http.admin-token?)");
        }
        return Optional.empty();
    }

    private byte[] mac(String method, String rawTarget, String timestamp) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            String message = CONTEXT + "\n" + method + "\n" + rawTarget + "\n" + timestamp;
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            // HmacSHA256 is one of the algorithms every Java platform must provide
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
