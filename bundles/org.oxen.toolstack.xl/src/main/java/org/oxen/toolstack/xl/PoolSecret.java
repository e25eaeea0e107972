package org.oxen.toolstack.xl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The pool secret (2.3), one reader for everyone who uses it: the pool bundle authenticates its
 * ZooKeeper nodes with it (digest ACL), and {@code xl migrate} and its receiver authenticate
 * each other and the migration stream with it (HMAC-SHA256). It comes from the framework
 * property {@value #PROPERTY}, or from the file {@value #FILE_PROPERTY} names (its text,
 * surrounding white space stripped), which wins when both are set.
 *
 * @since 2.3
 */
public final class PoolSecret {

    public static final String PROPERTY = "oxen.pool.secret";
    public static final String FILE_PROPERTY = "oxen.pool.secret.file";

    private PoolSecret() {
    }

    /**
     * The secret the properties give, or {@code null} when neither is set.
     *
     * @throws IllegalArgumentException naming the property and what is wrong (an unreadable file,
     *     an empty secret)
     */
    public static String read(UnaryOperator<String> property) {
        String secret = property.apply(PROPERTY);
        String file = property.apply(FILE_PROPERTY);
        if (file != null && !file.isBlank()) {
            try {
                secret = Files.readString(Path.of(file.trim()), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException(FILE_PROPERTY + "=" + file + " cannot be read: " + e);
            }
            if (secret.isEmpty()) {
                throw new IllegalArgumentException(FILE_PROPERTY + "=" + file + " holds an empty secret");
            }
        }
        if (secret != null && secret.isEmpty()) {
            throw new IllegalArgumentException(PROPERTY + " is empty");
        }
        return secret;
    }
}
