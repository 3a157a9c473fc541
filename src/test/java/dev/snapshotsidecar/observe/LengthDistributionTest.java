package dev.snapshotsidecar.observe;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

class LengthDistributionTest {
    @Test
    @DisplayName("percentiles of a known distribution, by nearest rank, and its histogram")
    void percentiles() {
        LengthDistribution d = new LengthDistribution(LongStream.rangeClosed(1, 1000).map(i -> 1001 - i).toArray());
        assertThat(d.count()).isEqualTo(1000);
        assertThat(d.percentile(50)).isEqualTo(500);
        assertThat(d.percentile(95)).isEqualTo(950);
        assertThat(d.percentile(99)).isEqualTo(990);
        assertThat(d.max()).isEqualTo(1000);
        assertThat(d.histogram()).extracting(LengthDistribution.Bucket::count)
                .containsExactly(9L, 40L, 50L, 100L, 300L, 500L, 1L, 0L, 0L, 0L);
        assertThat(new LengthDistribution(new long[0]).percentile(95)).isZero();
    }

    @Test
    @DisplayName("the article's rule: under 200 premature, over 500 necessary, a judgement in between")
    void rule() {
        assertThat(Recommendation.forP95(199)).isEqualTo(Recommendation.PREMATURE);
        assertThat(Recommendation.forP95(200)).isEqualTo(Recommendation.JUDGEMENT);
        assertThat(Recommendation.forP95(500)).isEqualTo(Recommendation.JUDGEMENT);
        assertThat(Recommendation.forP95(501)).isEqualTo(Recommendation.NECESSARY);
        assertThat(Recommendation.JUDGEMENT.explain(300, 4.25)).contains("300", "4.3 ms");
    }
}
