package dev.snapshotsidecar.fold;

import dev.snapshotsidecar.SidecarException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The aggregators this process can use: those on the class path plus those in the jars of a plugin directory, found
 * with {@link ServiceLoader} as Kafka Connect finds its plugins. Built once at start-up; immutable and thread-safe.
 */
public final class AggregatorRegistry {
    private final Map<String, Aggregator<?>> byName;

    private AggregatorRegistry(Map<String, Aggregator<?>> byName) {
        this.byName = Collections.unmodifiableMap(byName);
    }

    /** Loads the built-in aggregators and, when a directory is given, every jar in it. */
    public static AggregatorRegistry load(Optional<Path> pluginDirectory) {
        ClassLoader loader = pluginDirectory.map(AggregatorRegistry::pluginLoader)
                .orElse(AggregatorRegistry.class.getClassLoader());
        Map<String, Aggregator<?>> found = new TreeMap<>();
        for (Aggregator<?> aggregator : ServiceLoader.load(Aggregator.class, loader)) {
            Aggregator<?> previous = found.putIfAbsent(aggregator.name(), aggregator);
            if (previous != null && previous.getClass() != aggregator.getClass()) {
                throw new SidecarException("two aggregators are named " + aggregator.name() + ": "
                        + previous.getClass().getName() + " and " + aggregator.getClass().getName());
            }
        }
        return new AggregatorRegistry(found);
    }

    public static AggregatorRegistry of(List<Aggregator<?>> aggregators) {
        Map<String, Aggregator<?>> map = new TreeMap<>();
        aggregators.forEach(a -> map.put(a.name(), a));
        return new AggregatorRegistry(map);
    }

    public Optional<Aggregator<?>> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Set<String> names() {
        return byName.keySet();
    }

    private static ClassLoader pluginLoader(Path directory) {
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                jars.add(jar.toUri().toURL());
            }
        } catch (MalformedURLException e) {
            throw new SidecarException("cannot load plugin jar in " + directory, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list plugin directory " + directory, e);
        }
        return new URLClassLoader("aggregator-plugins", jars.toArray(URL[]::new),
                AggregatorRegistry.class.getClassLoader());
    }
}
