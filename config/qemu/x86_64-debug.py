# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for the x86_64 debug build (config/kunit/debug.config):
# booted 5-level ('-cpu max' has LA57) like x86_64-la57.py, with two CPUs so
# that the race cases' kthreads run beside the walks they race (QEMU runs
# each vCPU in its own host thread), and 5 GiB: the guest runs the KUnit
# suites at boot before the selftests, and contig.one_region needs twice
# its 1 GiB available after them and the 1 GiB hugetlb page. erms=off: see
# x86_64.py.

from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y''',
			   qemu_arch='x86_64',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0',
			   extra_qemu_params=['-bios', 'qboot.rom',
					      '-cpu', 'max,erms=off', '-smp', '2', '-m', '5G'])
