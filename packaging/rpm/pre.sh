# SPDX-License-Identifier: Apache-2.0
# kferry .rpm %pre: the kferry system user and group.
getent group kferry >/dev/null || groupadd -r kferry
getent passwd kferry >/dev/null ||
    useradd -r -g kferry -d /var/lib/kferry -s /sbin/nologin \
        -c "kferry file transfer" kferry
exit 0
