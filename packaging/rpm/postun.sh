# SPDX-License-Identifier: Apache-2.0
# kferry .rpm %postun: on upgrade ($1 >= 1), restarts the services that run.
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -ge 1 ]; then
        systemctl try-restart kferry-watch.service \
            'kferry-receive@*.service' >/dev/null 2>&1 || :
    fi
fi
exit 0
