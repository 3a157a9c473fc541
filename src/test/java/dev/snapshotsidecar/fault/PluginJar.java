package dev.snapshotsidecar.fault;

import dev.snapshotsidecar.fold.Aggregator;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Writes the oracle aggregate as a plugin jar, as a user would ship an aggregator: its compiled class files (the
 * class and its nested classes, from the test class path) and a {@code META-INF/services} entry for
 * {@link Aggregator}. The sidecar child processes load it from {@code plugins.directory}.
 */
final class PluginJar {
    private PluginJar() {
    }

    /** @return the jar written into {@code directory} */
    static Path write(Path directory) {
        Class<?> type = DigestChainAggregator.class;
        try {
            Path classes = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            String packagePath = type.getPackageName().replace('.', '/');
            Path packageDir = classes.resolve(packagePath);
            List<Path> files;
            try (Stream<Path> list = Files.list(packageDir)) {
                files = list.filter(p -> {
                    String name = p.getFileName().toString();
                    return name.equals(type.getSimpleName() + ".class")
                            || name.startsWith(type.getSimpleName() + "$") && name.endsWith(".class");
                }).sorted().toList();
            }
            Files.createDirectories(directory);
            Path jar = directory.resolve("fault-oracle-aggregator.jar");
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            try (OutputStream file = Files.newOutputStream(jar);
                 JarOutputStream out = new JarOutputStream(file, manifest)) {
                for (Path classFile : files) {
                    out.putNextEntry(new JarEntry(packagePath + "/" + classFile.getFileName()));
                    out.write(Files.readAllBytes(classFile));
                    out.closeEntry();
                }
                out.putNextEntry(new JarEntry("META-INF/services/" + Aggregator.class.getName()));
                out.write((type.getName() + "\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
            if (files.isEmpty()) {
                throw new IllegalStateException("no class files of " + type.getName() + " under " + packageDir);
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the oracle plugin jar", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
