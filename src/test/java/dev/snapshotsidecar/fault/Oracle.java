package dev.snapshotsidecar.fault;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The suite's verdict on the database after settling, from the events table, the snapshots table and what the
 * workload recorded, never from the product's code:
 * <ul>
 *   <li><b>wrong snapshots</b>: rows whose data is not the chain of the stream's events first..V. Where events below
 *       V were archived, the chain is continued from what the workload recorded from the table before deleting them
 *       (every archived version's state is kept), so every snapshot of a live stream is checked exactly; a snapshot
 *       at a version the stream does not have is wrong too. A wrong row whose data is an erased incarnation's chain at
 *       that version is counted as {@code stale incarnation} as well;</li>
 *   <li><b>streams still due</b> (lost crossings): live streams whose events after their latest snapshot row number
 *       at least their threshold;</li>
 *   <li><b>missed erasures</b>: streams whose events are all deleted (erased, not re-created) that still have rows.</li>
 * </ul>
 * Rows of erased streams are counted as missed erasures only, not also as wrong snapshots.
 */
final class Oracle {
    /** One snapshot row. */
    record Row(String stream, long version, String data) {
    }

    /** A wrong snapshot and why. */
    record Wrong(String stream, long version, String why) {
    }

    /** A live stream still due: head, latest snapshot row (-1: none), lifecycle it went through. */
    record Due(String stream, long head, long latest, String history) {
    }

    record Verdict(int snapshotsChecked, List<Wrong> wrong, int staleIncarnation, List<Due> due,
                   Map<String, Integer> missedErasures, int liveStreams, int erasedStreams) {
        String summary() {
            return "snapshots checked " + snapshotsChecked + ", wrong " + wrong.size() + " (stale incarnation "
                    + staleIncarnation + "), streams still due " + due.size() + ", missed erasures "
                    + missedErasures.size();
        }
    }

    private Oracle() {
    }

    static Map<String, TreeMap<Long, String>> snapshotRows(Connection c, String table) throws SQLException {
        Map<String, TreeMap<Long, String>> rows = new HashMap<>();
        try (PreparedStatement q = c.prepareStatement("SELECT stream_id, stream_version, snapshot_data FROM " + table);
             ResultSet r = q.executeQuery()) {
            while (r.next()) {
                rows.computeIfAbsent(r.getString(1), k -> new TreeMap<>()).put(r.getLong(2), r.getString(3));
            }
        }
        return rows;
    }

    /** Latest snapshot version per stream. */
    static Map<String, Long> latestSnapshots(Connection c, String table) throws SQLException {
        Map<String, Long> latest = new HashMap<>();
        try (PreparedStatement q = c.prepareStatement("SELECT stream_id, MAX(stream_version) FROM " + table
                + " GROUP BY stream_id"); ResultSet r = q.executeQuery()) {
            while (r.next()) {
                latest.put(r.getString(1), r.getLong(2));
            }
        }
        return latest;
    }

    static Verdict judge(Connection c, FaultStack stack, Map<String, StreamState> streams) throws SQLException {
        Map<String, TreeMap<Long, String>> rows = snapshotRows(c, stack.table("snapshots"));
        // the expected chain at each version that has a snapshot row, folded from the table
        Map<String, Map<Long, ExpectedChain>> expected = new HashMap<>();
        Map<String, Long> tableHead = new HashMap<>();
        Map<String, String> gaps = new HashMap<>();
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false); // PostgreSQL streams with a fetch size only inside a transaction
        try (PreparedStatement q = c.prepareStatement("SELECT stream_id, stream_version, event_type, event_data FROM "
                + stack.table("events") + " ORDER BY stream_id, stream_version")) {
            q.setFetchSize(2000);
            try (ResultSet r = q.executeQuery()) {
                String current = null;
                ExpectedChain state = null;
                while (r.next()) {
                    String id = r.getString(1);
                    long version = r.getLong(2);
                    if (!id.equals(current)) {
                        current = id;
                        StreamState s = streams.get(id);
                        state = s == null ? ExpectedChain.GENESIS : s.boundary();
                    }
                    if (version != state.version() + 1) {
                        gaps.putIfAbsent(id, "gap at " + version + " after " + state.version());
                    }
                    state = state.next(version, r.getString(3), r.getString(4));
                    tableHead.put(id, version);
                    TreeMap<Long, String> versions = rows.get(id);
                    if (versions != null && versions.containsKey(version)) {
                        expected.computeIfAbsent(id, k -> new HashMap<>()).put(version, state);
                    }
                }
            }
        } finally {
            c.commit();
            c.setAutoCommit(autoCommit);
        }
        if (!gaps.isEmpty()) {
            throw new IllegalStateException("the events table differs from what the workload wrote: " + gaps);
        }

        int checked = 0;
        int stale = 0;
        List<Wrong> wrong = new ArrayList<>();
        Map<String, Integer> missed = new TreeMap<>();
        for (Map.Entry<String, TreeMap<Long, String>> entry : new TreeMap<>(rows).entrySet()) {
            String id = entry.getKey();
            StreamState s = streams.get(id);
            if (s != null && s.erased) {
                missed.put(id, entry.getValue().size());
                continue;
            }
            for (Map.Entry<Long, String> row : entry.getValue().entrySet()) {
                checked++;
                long version = row.getKey();
                Optional<ExpectedChain> want = s == null ? Optional.empty()
                        : version < s.lowest ? Optional.ofNullable(s.archived.get(version))
                        : Optional.ofNullable(expected.getOrDefault(id, Map.of()).get(version));
                Optional<ExpectedChain> got = ExpectedChain.parse(row.getValue());
                if (want.isPresent() && got.equals(want)) {
                    continue;
                }
                String why = s == null ? "not a stream of the workload"
                        : got.isEmpty() ? "not a digest chain state"
                        : want.isEmpty() ? "the stream has no event at version " + version + " (head "
                        + tableHead.getOrDefault(id, -1L) + ", incarnation " + s.incarnation + ")"
                        : "differs from the chain of events " + (s.archived.isEmpty() ? "0" : "0 (archived below "
                        + s.lowest + ")") + ".." + version + " (folded " + got.get().count() + " events, expected "
                        + want.get().count() + ")";
                if (s != null && got.isPresent()) {
                    for (int k = 0; k < s.erasedIncarnations.size(); k++) {
                        if (got.get().equals(s.erasedIncarnations.get(k).get(version))) {
                            why += "; it is erased incarnation " + (k + 1) + "'s state at that version";
                            stale++;
                            break;
                        }
                    }
                }
                wrong.add(new Wrong(id, version, why));
            }
        }

        List<Due> due = new ArrayList<>();
        int live = 0;
        int erased = 0;
        for (StreamState s : streams.values()) {
            if (s.erased) {
                erased++;
                continue;
            }
            if (s.head < 0) {
                continue;
            }
            live++;
            TreeMap<Long, String> versions = rows.get(s.id);
            long latest = versions == null ? -1 : versions.lastKey();
            if (s.head - latest >= s.threshold) {
                due.add(new Due(s.id, s.head, latest, history(s)));
            }
        }
        return new Verdict(checked, wrong, stale, due, missed, live, erased);
    }

    static String history(StreamState s) {
        List<String> h = new ArrayList<>();
        if (s.incarnation > 1) {
            h.add("re-created (incarnation " + s.incarnation + ")");
        }
        if (s.lowest > 0) {
            h.add("archived below " + s.lowest);
        }
        return h.isEmpty() ? "appends only" : String.join(", ", h);
    }
}
