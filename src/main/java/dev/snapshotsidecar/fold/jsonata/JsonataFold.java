package dev.snapshotsidecar.fold.jsonata;

import com.dashjoin.jsonata.JException;
import com.dashjoin.jsonata.Jsonata;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.snapshotsidecar.fold.Fold;
import dev.snapshotsidecar.fold.FoldException;
import dev.snapshotsidecar.fold.FoldKind;
import dev.snapshotsidecar.fold.FoldState;
import dev.snapshotsidecar.fold.StoredEvent;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@link FoldKind#JSONATA} kind: one JSONata expression per event type, evaluated for each event with the
 * event's data as its input ({@code $}) and two bindings:
 * <ul>
 *   <li>{@code $state}: the state so far (the initial state before the first event);</li>
 *   <li>{@code $event}: {@code {type, version, streamId, data, metadata, createdAt}} ({@code metadata} null when the
 *       table has none; {@code createdAt} ISO-8601 text).</li>
 * </ul>
 * The expression's value is the new state. An expression that gives no value (undefined) fails the stream, as does a
 * JSONata error; {@code $error("…")} fails it with the expression author's message as the reason (so such messages
 * must never quote event data). An event type without an expression fails the stream, or leaves the state as it was
 * when {@code ignoreUnknown}. The state is written with sorted keys, so equal states give equal text.
 *
 * <p>Expressions are compiled once, at start-up (by the configuration loader). Thread-safe: com.dashjoin's
 * {@code Jsonata} keeps its evaluation state per thread, and each evaluation gets its own frame of bindings;
 * {@code JsonataFoldTest} folds on several threads at once to hold that to account.
 */
public final class JsonataFold implements Fold {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    /** What reasons show of an author's {@code $error} message at most. */
    private static final int MAX_REASON = 300;

    private final String aggregateType;
    private final int schemaVersion;
    private final String initialState;
    private final Map<String, Jsonata> expressions;
    private final boolean ignoreUnknown;

    /**
     * @param initialState  the state before the first event, as JSON text
     * @param expressions   event type to its compiled expression
     * @param ignoreUnknown whether an event type without an expression leaves the state as it was
     */
    public JsonataFold(String aggregateType, int schemaVersion, String initialState, Map<String, Jsonata> expressions,
                       boolean ignoreUnknown) {
        this.aggregateType = Objects.requireNonNull(aggregateType, "aggregateType");
        this.schemaVersion = schemaVersion;
        this.initialState = Objects.requireNonNull(initialState, "initialState");
        this.expressions = Map.copyOf(expressions);
        this.ignoreUnknown = ignoreUnknown;
        read(initialState, "the initial state of " + aggregateType);
    }

    @Override
    public FoldKind kind() {
        return FoldKind.JSONATA;
    }

    @Override
    public String description() {
        return "jsonata, " + expressions.size() + " event types" + (ignoreUnknown ? ", others ignored" : "");
    }

    @Override
    public int schemaVersion() {
        return schemaVersion;
    }

    @Override
    public Run start(String streamId, Optional<FoldState> from, long firstVersion) {
        Object state;
        try {
            // parsed for each run: an expression may hand back parts of its input, which must not be shared
            state = read(from.map(FoldState::json).orElse(initialState), "a state");
        } catch (IllegalArgumentException e) {
            throw new FoldException(streamId, from.map(FoldState::version).orElse(firstVersion - 1), "(snapshot)",
                    "the snapshot at this version is not JSON", e);
        }
        return new JsonataRun(streamId, state, from.map(FoldState::version).orElse(firstVersion - 1));
    }

    private static Object read(String json, String what) {
        try {
            return JSON.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + " is not JSON", e);
        }
    }

    private final class JsonataRun implements Run {
        private final String streamId;
        private Object state;
        private long version;

        JsonataRun(String streamId, Object state, long version) {
            this.streamId = streamId;
            this.state = state;
            this.version = version;
        }

        @Override
        public void apply(StoredEvent event) {
            Jsonata expression = expressions.get(event.eventType());
            if (expression == null) {
                if (!ignoreUnknown) {
                    throw new FoldException(streamId, event.version(), event.eventType(), "the JSONata fold of "
                            + aggregateType + " has no expression for event type " + event.eventType()
                            + " (fold.jsonata.events." + event.eventType() + ", or unknown-events: ignore)", null);
                }
                version = event.version();
                return;
            }
            Object data;
            Object metadata;
            try {
                data = JSON.readValue(event.data(), Object.class);
                metadata = event.metadata().isPresent() && !event.metadata().get().isBlank()
                        ? JSON.readValue(event.metadata().get(), Object.class) : null;
            } catch (JsonProcessingException e) {
                throw new FoldException(streamId, event.version(), event.eventType(),
                        "the event's data or metadata is not JSON", e);
            }
            Map<String, Object> described = new LinkedHashMap<>();
            described.put("type", event.eventType());
            described.put("version", event.version());
            described.put("streamId", event.streamId());
            described.put("data", data);
            described.put("metadata", metadata);
            described.put("createdAt", event.createdAt().toString());
            Jsonata.Frame frame = expression.createFrame();
            frame.bind("state", state);
            frame.bind("event", described);
            Object next;
            try {
                next = expression.evaluate(data, frame);
            } catch (JException e) {
                throw new FoldException(streamId, event.version(), event.eventType(), reason(e), null);
            } catch (RuntimeException e) {
                throw new FoldException(streamId, event.version(), event.eventType(),
                        e.getClass().getSimpleName() + " in the JSONata expression", e);
            }
            if (next == null) {
                throw new FoldException(streamId, event.version(), event.eventType(), "the JSONata expression for "
                        + event.eventType() + " gave no value (undefined): it must give the new state", null);
            }
            state = next;
            version = event.version();
        }

        @Override
        public FoldState finish() {
            try {
                return new FoldState(version, schemaVersion, JSON.writeValueAsString(state));
            } catch (JsonProcessingException e) {
                throw new FoldException(streamId, version, "(state)",
                        "the JSONata fold gave a state that cannot be written as JSON (a function?)", e);
            }
        }
    }

    /**
     * A JSONata error as a build's reason: its code and where in the expression; the message only for
     * {@code $error} (D3137), whose text the expression's author wrote. Other messages can quote values of the data.
     */
    static String reason(JException e) {
        if ("D3137".equals(e.getError()) || "D3141".equals(e.getError())) {
            // $error(message) and $assert(condition, message): the message is the expression's own text
            String message = String.valueOf(e.getCurrent());
            return "rejected by the JSONata expression: "
                    + (message.length() > MAX_REASON ? message.substring(0, MAX_REASON) + "..." : message);
        }
        return "JSONata error " + e.getError() + (e.getLocation() >= 0 ? " at character " + e.getLocation() : "");
    }
}
