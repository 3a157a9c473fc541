package dev.snapshotsidecar.build;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class CompletionTest {
    static final List<Job.Taken> TAKEN = List.of(new Job.Taken(new TopicPartition("requests", 0), 41, 1));

    @Test
    @DisplayName("a submission ends once: a failed publish then a close, or a close then a late callback, hand its records back one time, with the first verdict")
    void endsOnce() {
        ConcurrentLinkedQueue<Completion.Finished> finished = new ConcurrentLinkedQueue<>();
        Completion completion = new Completion(Optional.of("patient-1"), TAKEN, finished::add);
        completion.complete(false);
        completion.complete(true);
        completion.complete(false);
        assertThat(finished).containsExactly(new Completion.Finished(Optional.of("patient-1"), TAKEN, false));
    }

    @Test
    @DisplayName("publish callbacks on the producer's thread and a close on the poll thread racing end a submission once")
    void racingEndsCountOnce() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 200; round++) {
                ConcurrentLinkedQueue<Completion.Finished> finished = new ConcurrentLinkedQueue<>();
                Completion completion = new Completion(Optional.of("s-" + round), TAKEN, finished::add);
                CountDownLatch start = new CountDownLatch(1);
                CountDownLatch ended = new CountDownLatch(8);
                for (int t = 0; t < 8; t++) {
                    boolean verdict = t % 2 == 0;
                    threads.execute(() -> {
                        try {
                            start.await();
                            completion.complete(verdict);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            ended.countDown();
                        }
                    });
                }
                start.countDown();
                assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(finished).as("round %d", round).hasSize(1);
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
