# Installed files and the .deb and .rpm packages (CPack). Included from the
# top-level CMakeLists.txt; scripts/package.sh builds both packages.
#
# Paths are those of a system package (prefix /usr): the configuration in
# /etc/kferry, the units in /usr/lib/systemd/system (found by systemd on
# Debian, merged /usr or not, and on RPM distributions).

include(GNUInstallDirs)

# A reserved domain (RFC 2606) until the project has a mail address:
# lintian refuses localhost. Whoever publishes packages sets their own
# with -DKF_PACKAGE_CONTACT="Name <address>".
set(KF_PACKAGE_CONTACT "kferry maintainers <kferry@example.org>" CACHE STRING
    "Maintainer of the .deb and packager of the .rpm")
# LICENSE at the top of the tree; SPDX identifier, as rpmlint expects.
set(KF_PACKAGE_LICENSE "Apache-2.0" CACHE STRING "License field of the .rpm")

set(KF_PKG_DIR ${CMAKE_SOURCE_DIR}/packaging)
# below the prefix: CPack's RPM generator marks every file installed to an
# absolute path as %config
set(KF_UNIT_DIR lib/systemd/system)
set(KF_CONF_DIR /etc/kferry)
set(KF_STATE_DIR /var/lib/kferry)

install(TARGETS kferry RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Readable by root and, once the scriptlets set the group, by kferry: the
# files may hold Kafka credentials.
set(KF_CONF_PERMS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${CMAKE_SOURCE_DIR}/config/kferry.conf
              ${KF_PKG_DIR}/etc/watch.conf
        DESTINATION ${KF_CONF_DIR} PERMISSIONS ${KF_CONF_PERMS})
install(FILES ${KF_PKG_DIR}/etc/receive-example.conf
        DESTINATION ${KF_CONF_DIR}/receive RENAME example.conf
        PERMISSIONS ${KF_CONF_PERMS})
set(KF_CONF_FILES ${KF_CONF_DIR}/kferry.conf ${KF_CONF_DIR}/watch.conf
                  ${KF_CONF_DIR}/receive/example.conf)
install(DIRECTORY DESTINATION ${KF_STATE_DIR})

install(FILES ${KF_PKG_DIR}/systemd/kferry-watch.service
              ${KF_PKG_DIR}/systemd/kferry-receive@.service
        DESTINATION ${KF_UNIT_DIR})

# Manual pages, compressed as both distributions expect; -n keeps the
# archives byte-identical from one build to the next.
set(KF_MAN_OUT ${CMAKE_BINARY_DIR}/man)
foreach(page kferry.1 kferry.conf.5)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  add_custom_command(OUTPUT ${KF_MAN_OUT}/${page}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${KF_MAN_OUT}
    COMMAND gzip -9 -n -c ${KF_PKG_DIR}/man/${page} > ${KF_MAN_OUT}/${page}.gz
    DEPENDS ${KF_PKG_DIR}/man/${page} VERBATIM)
  list(APPEND KF_MAN_GZ ${KF_MAN_OUT}/${page}.gz)
  install(FILES ${KF_MAN_OUT}/${page}.gz
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(kferry_man ALL DEPENDS ${KF_MAN_GZ})

install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/docs/config.md
              ${CMAKE_SOURCE_DIR}/docs/protocol.md
              ${CMAKE_SOURCE_DIR}/docs/watch.md
              ${CMAKE_SOURCE_DIR}/docs/architecture.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${KF_PKG_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR}
        RENAME packaging.md)
# Debian policy: every package carries its license in
# /usr/share/doc/PACKAGE/copyright (machine-readable format) and a
# changelog; the .rpm gets the same files, and its %changelog below.
install(FILES ${KF_PKG_DIR}/deb/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
configure_file(${KF_PKG_DIR}/deb/changelog.in ${CMAKE_BINARY_DIR}/deb/changelog
               @ONLY)
configure_file(${KF_PKG_DIR}/rpm/changelog.in ${CMAKE_BINARY_DIR}/rpm/changelog
               @ONLY)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/deb/changelog.gz
  COMMAND gzip -9 -n -c ${CMAKE_BINARY_DIR}/deb/changelog
          > ${CMAKE_BINARY_DIR}/deb/changelog.gz
  DEPENDS ${CMAKE_BINARY_DIR}/deb/changelog VERBATIM)
add_custom_target(kferry_changelog ALL DEPENDS ${CMAKE_BINARY_DIR}/deb/changelog.gz)
install(FILES ${CMAKE_BINARY_DIR}/deb/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${KF_PKG_DIR}/grafana/kferry.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/kferry/grafana)

# ---- both packages
set(CPACK_PACKAGE_NAME kferry)
set(CPACK_PACKAGE_VENDOR kferry)
set(CPACK_PACKAGE_CONTACT "${KF_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "move files through Apache Kafka, verified end to end")
set(CPACK_PACKAGE_DESCRIPTION
"kferry sends files and directory trees through an Apache Kafka topic in
checksummed, zstd-compressed chunks and receives them on the other side,
verifying every chunk and the whole file before an atomic rename. Offsets
are committed only for files that are durable, so every file arrives
exactly once, complete. Includes the watch daemon, which sends every
finished file of its directories, and systemd units for it and for one
receiver per configuration file.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)

# ---- .deb
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps names the library packages from the binary's NEEDED
# entries (librdkafka1, libuv1, libzstd1, libxxhash0, libc6; libpq5 and
# libmariadb3 once the command uses src/db; libcurl4 for the Schema
# Registry client, src/registry); adduser runs
# in postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
string(REPLACE ";" "\n" KF_CONFFILES "${KF_CONF_FILES}")
file(WRITE ${CMAKE_BINARY_DIR}/deb/conffiles "${KF_CONFFILES}\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_BINARY_DIR}/deb/conffiles ${KF_PKG_DIR}/deb/postinst
    ${KF_PKG_DIR}/deb/prerm ${KF_PKG_DIR}/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# ---- .rpm
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_LICENSE "${KF_PACKAGE_LICENSE}")
set(CPACK_RPM_PACKAGE_GROUP "Applications/Internet")
set(CPACK_RPM_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
# rpmlint wants a capitalized summary; Debian's synopsis stays lower case.
set(CPACK_RPM_PACKAGE_SUMMARY
    "Move files through Apache Kafka, verified end to end")
set(CPACK_RPM_CHANGELOG_FILE ${CMAKE_BINARY_DIR}/rpm/changelog)
# the Packager tag, which CPack has no variable for
set(CPACK_RPM_SPEC_MORE_DEFINE "%define packager ${KF_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_RELOCATABLE OFF)
# rpmbuild adds the libraries by soname (librdkafka.so.1()(64bit), ...),
# which every RPM distribution resolves to its own package names.
set(CPACK_RPM_PACKAGE_AUTOREQ ON)
set(CPACK_RPM_PACKAGE_REQUIRES_PRE "shadow-utils")
set(CPACK_RPM_PRE_INSTALL_SCRIPT_FILE ${KF_PKG_DIR}/rpm/pre.sh)
set(CPACK_RPM_POST_INSTALL_SCRIPT_FILE ${KF_PKG_DIR}/rpm/post.sh)
set(CPACK_RPM_PRE_UNINSTALL_SCRIPT_FILE ${KF_PKG_DIR}/rpm/preun.sh)
set(CPACK_RPM_POST_UNINSTALL_SCRIPT_FILE ${KF_PKG_DIR}/rpm/postun.sh)
set(KF_RPM_FILES
    "%attr(0750,root,kferry) %dir ${KF_CONF_DIR}"
    "%attr(0750,root,kferry) %dir ${KF_CONF_DIR}/receive"
    # the slash matches CPack's own entry of the directory
    "%attr(0750,kferry,kferry) %dir ${KF_STATE_DIR}/")
foreach(f ${KF_CONF_FILES})
  list(APPEND KF_RPM_FILES "%attr(0640,root,kferry) %config(noreplace) ${f}")
endforeach()
set(CPACK_RPM_USER_FILELIST ${KF_RPM_FILES})
# Directories owned by the distribution, not by this package.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    /usr/lib/systemd /usr/lib/systemd/system /usr/share/man
    /usr/share/man/man1 /usr/share/man/man5 /var /var/lib)

include(CPack)
