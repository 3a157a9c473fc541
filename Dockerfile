# snapshot-sidecar: build with the Maven wrapper, run on a JRE 21 as a non-root user.
FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -q -B dependency:go-offline
COPY connect connect
COPY src src
RUN ./mvnw -q -B -DskipTests package

FROM eclipse-temurin:21-jre
RUN groupadd --system --gid 10001 sidecar \
 && useradd --system --uid 10001 --gid sidecar --home-dir /app --shell /usr/sbin/nologin sidecar \
 && mkdir -p /var/lib/snapshot-sidecar && chown sidecar:sidecar /var/lib/snapshot-sidecar
WORKDIR /app
COPY --from=build /src/target/lib lib
COPY --from=build /src/target/snapshot-sidecar.jar snapshot-sidecar.jar
USER 10001:10001
# Kafka Streams keeps its RocksDB state here; mount a volume to keep it across restarts.
ENV SIDECAR_KAFKA_STATE_DIR=/var/lib/snapshot-sidecar
VOLUME /var/lib/snapshot-sidecar
# An OutOfMemoryError ends the process (a supervisor restarts it) instead of leaving a half-working JVM behind.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/snapshot-sidecar.jar"]
CMD ["--help"]
