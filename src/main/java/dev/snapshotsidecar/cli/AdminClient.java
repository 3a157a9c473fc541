package dev.snapshotsidecar.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Reads the running sidecar's admin API for a command: a GET with the admin token when there is one, sorted into
 * an answer, a refusal (asking again will not help) or no answer (it may). Thread-safe.
 */
final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final Optional<String> token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param base any instance's admin API, e.g. {@code http://snapshot-sidecar:8080} */
    AdminClient(URI base, Optional<String> token) {
        this.base = base;
        this.token = token;
    }

    URI base() {
        return base;
    }

    /** What a GET came to. */
    sealed interface Answer {
        /** 200 with a JSON body. */
        record Ok(JsonNode body) implements Answer {
        }

        /** 401, 403 or 404: the token, the reads' settings or the path is wrong. */
        record Refused(int status, String message) implements Answer {
        }

        /** No answer, or a 5xx (starting, rebalancing, busy): worth asking again. */
        record NoAnswer(String problem) implements Answer {
        }
    }

    /** @param pathAndQuery e.g. {@code /rebuilds/patient?requestedAt=...}, already escaped */
    Answer get(String pathAndQuery) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofSeconds(30));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            int status = response.statusCode();
            if (status == 200) {
                return new Answer.Ok(JSON.readTree(response.body()));
            }
            if (status == 401 || status == 403 || status == 404) {
                return new Answer.Refused(status, message(response.body()));
            }
            return new Answer.NoAnswer("HTTP " + status + ": " + message(response.body()));
        } catch (IOException e) {
            return new Answer.NoAnswer(e.getClass().getSimpleName());
        }
    }

    /** The admin API's error message, or the start of a body that is not one. */
    private static String message(String body) {
        try {
            return JSON.readTree(body).path("message").asText(body);
        } catch (IOException e) {
            return body.length() > 200 ? body.substring(0, 200) : body;
        }
    }
}
