# SPDX-License-Identifier: Apache-2.0
# kferry .rpm %preun: on erase ($1 = 0), stops the services.
if [ "$1" -eq 0 ] && [ -d /run/systemd/system ]; then
    systemctl stop kferry-watch.service 'kferry-receive@*.service' \
        >/dev/null 2>&1 || :
fi
exit 0
