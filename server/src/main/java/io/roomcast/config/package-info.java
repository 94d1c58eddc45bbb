/**
 * Every setting of a node, in one place: its flag, environment variable, config-file key, default and
 * validation. Precedence is flag, then {@code ROOMCAST_*} environment variable, then the YAML file given with
 * {@code --config}, then the default.
 */
package io.roomcast.config;
