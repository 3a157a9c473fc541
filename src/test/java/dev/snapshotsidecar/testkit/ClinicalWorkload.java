package dev.snapshotsidecar.testkit;

import dev.snapshotsidecar.store.EventAppender;
import dev.snapshotsidecar.store.EventAppender.NewEvent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes clinical streams of uneven length into the events table the way services do: many streams interleaved,
 * a few events per command, several commands per transaction. Lengths are log-normal around the mean (a few
 * streams reach three to four times it, as long-lived patient records do); 60% of streams are patients.
 */
public final class ClinicalWorkload {
    private final Map<String, Integer> lengths;
    private final long firstVersion;
    private final long seed;
    private final AtomicLong written = new AtomicLong();

    public ClinicalWorkload(int streams, int meanEventsPerStream, long firstVersion, long seed) {
        this.firstVersion = firstVersion;
        this.seed = seed;
        Random random = new Random(seed);
        Map<String, Integer> plan = new LinkedHashMap<>();
        double sigma = 0.6;
        for (int i = 0; i < streams; i++) {
            String id = (i % 5 < 3 ? "patient-" : "prescription-") + String.format("%05d", i);
            // log-normal with the requested mean: exp(mu + sigma^2 / 2) = mean
            double mu = Math.log(meanEventsPerStream) - sigma * sigma / 2;
            int length = (int) Math.max(1, Math.round(Math.exp(mu + sigma * random.nextGaussian())));
            plan.put(id, Math.min(length, meanEventsPerStream * 5));
        }
        this.lengths = Map.copyOf(plan);
    }

    /** Stream id to its final length. */
    public Map<String, Integer> lengths() {
        return lengths;
    }

    public long totalEvents() {
        return lengths.values().stream().mapToLong(Integer::longValue).sum();
    }

    /** Events written so far; safe to read from another thread while {@link #run} goes on. */
    public long written() {
        return written.get();
    }

    /** The events {@link #run} writes to one stream, in version order: for checks that fold the same events. */
    public List<NewEvent> script(String streamId) {
        ClinicalEvents script = new ClinicalEvents(streamId, firstVersion, streamId.hashCode() ^ seed);
        List<NewEvent> events = new ArrayList<>(lengths.get(streamId));
        for (int i = 0; i < lengths.get(streamId); i++) {
            events.add(script.next());
        }
        return events;
    }

    /** Writes every stream to its length with {@code writers} threads, each owning a share of the streams. */
    public void run(EventAppender appender, int writers) {
        List<String> ids = new ArrayList<>(lengths.keySet());
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                List<String> own = new ArrayList<>();
                for (int i = w; i < ids.size(); i += writers) {
                    own.add(ids.get(i));
                }
                long writerSeed = seed + w;
                done.add(pool.submit(() -> write(appender, own, writerSeed)));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("workload interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("workload failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private void write(EventAppender appender, List<String> streams, long writerSeed) {
        Random random = new Random(writerSeed);
        Map<String, ClinicalEvents> scripts = new LinkedHashMap<>();
        Map<String, Integer> remaining = new LinkedHashMap<>();
        for (String id : streams) {
            scripts.put(id, new ClinicalEvents(id, firstVersion, id.hashCode() ^ seed));
            remaining.put(id, lengths.get(id));
        }
        List<String> open = new ArrayList<>(streams);
        while (!open.isEmpty()) {
            List<NewEvent> transaction = new ArrayList<>();
            while (transaction.size() < 200 && !open.isEmpty()) {
                int index = random.nextInt(open.size());
                String id = open.get(index);
                int command = Math.min(1 + random.nextInt(4), remaining.get(id));
                for (int i = 0; i < command; i++) {
                    transaction.add(scripts.get(id).next());
                }
                int left = remaining.get(id) - command;
                remaining.put(id, left);
                if (left == 0) {
                    open.remove(index);
                }
            }
            appender.append(transaction);
            written.addAndGet(transaction.size());
        }
    }
}
