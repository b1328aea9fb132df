package dev.imageregistry.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** Rewrites deploy/kubernetes/rendered/ from regions.yaml (argument: the deploy/kubernetes folder). */
public final class RenderRegions {

    public static void main(String[] args) throws IOException {
        Path module = Path.of(args.length > 0 ? args[0] : "deploy/kubernetes");
        Map<String, String> files = Rendering.render(module);
        Path rendered = module.resolve("rendered");
        if (Files.exists(rendered)) {
            try (Stream<Path> old = Files.walk(rendered)) {
                old.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        for (var file : files.entrySet()) {
            Path target = rendered.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, file.getValue());
        }
        System.out.println("rendered " + files.size() + " files into " + rendered);
    }
}
