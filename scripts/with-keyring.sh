#!/bin/sh
# Runs a command inside a private D-Bus session with a throwaway, unlocked gnome-keyring, so the
# tests talk to a real Secret Service without touching yours. Without those tools it runs the
# command as it is, and the keychain tests report themselves skipped.
set -u
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  keyring_home=$(mktemp -d)
  trap 'rm -rf "$keyring_home"' EXIT
  # A fresh folder: an existing login keyring with another password would wait for a GUI prompt.
  XDG_DATA_HOME="$keyring_home" dbus-run-session -- sh -c '
    echo "throwaway-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$@"' sh "$@"
  exit $?
fi
echo "with-keyring: no dbus-run-session/gnome-keyring on this machine; keychain tests will be skipped" >&2
exec "$@"
