package io.roomcast.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Where a setting comes from when it is not on the command line: first the environment
 * ({@code --max-frame-bytes} is {@code ROOMCAST_MAX_FRAME_BYTES}), then the YAML file ({@code max-frame-bytes:}).
 * Returning null lets picocli fall back to the option's own default.
 */
public final class ConfigSources implements CommandLine.IDefaultValueProvider {
    public static final String ENV_PREFIX = "ROOMCAST_";

    private final Map<String, String> env;
    private final Map<String, String> file;

    public ConfigSources(Map<String, String> env, Map<String, String> file) {
        this.env = env;
        this.file = file;
    }

    /** Builds the sources for {@code args}: finds {@code --config} (or {@code ROOMCAST_CONFIG}) and reads it. */
    public static ConfigSources from(String[] args, Map<String, String> env) {
        String configPath = env.get(ENV_PREFIX + "CONFIG");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                configPath = args[i + 1];
            } else if (args[i].startsWith("--config=")) {
                configPath = args[i].substring("--config=".length());
            }
        }
        return new ConfigSources(env, configPath == null ? Map.of() : readYaml(Path.of(configPath)));
    }

    static Map<String, String> readYaml(Path path) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(path));
        } catch (IOException e) {
            throw new ConfigException("--config: cannot read " + path + ": " + e.getMessage().lines().findFirst()
                    .orElse(e.toString()));
        }
        Map<String, String> values = new HashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return values;
        }
        if (!root.isObject()) {
            throw new ConfigException("--config: " + path + " must hold a map of settings, such as 'port: 8080'");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isContainerNode()) {
                throw new ConfigException("--config: setting '" + e.getKey() + "' in " + path
                        + " must be a single value");
            }
            values.put(e.getKey(), e.getValue().asText());
        }
        return values;
    }

    /** The keys of the file that match no option: each is a typo the user should hear about. */
    public Iterable<String> fileKeys() {
        return file.keySet();
    }

    public static String envName(String longOption) {
        return ENV_PREFIX + longOption.replaceFirst("^--", "").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
        if (!(arg instanceof CommandLine.Model.OptionSpec option) || option.longestName().equals("--config")) {
            return null;
        }
        String name = option.longestName();
        String fromEnv = env.get(envName(name));
        if (fromEnv != null) {
            return fromEnv;
        }
        return file.get(name.replaceFirst("^--", ""));
    }
}
