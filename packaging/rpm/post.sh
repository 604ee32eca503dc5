# SPDX-License-Identifier: Apache-2.0
# kferry .rpm %post: tells a running systemd about the units; the services
# are never enabled or started here.
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi
exit 0
