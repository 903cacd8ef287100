// SPDX-License-Identifier: GPL-2.0
/*
 * hsx_can_sim.ko: simulated CAN controllers for the test board, whose
 * emulated machine has none (qemu's raspi3b models no SPI controller, so an
 * MCP2515 cannot probe there). Its own module, not part of hsx.ko, as a
 * controller's driver is.
 *
 * A node compatible with "hsx,can-sim" is a controller: this module's
 * platform driver registers, for its platform device, a SocketCAN interface
 * "can<n>" whose device's parent is that platform device, as a real
 * controller's driver does (SET_NETDEV_DEV), so that an hsx,can node can
 * name it by phandle. The interface behaves as vcan loaded with echo=1: a
 * frame sent is echoed back by the driver (IFF_ECHO), as a controller does
 * once the frame went out on the bus, and nothing else is on the bus.
 * Unbinding the driver through sysfs unregisters the interface, as a
 * controller's driver going does; binding it again registers a new one.
 *
 * The node's properties (a test binding, no schema of its own):
 *   compatible = "hsx,can-sim";
 *   hsx,sim-not-can;		optional flag: the interface is not a CAN one
 *				("hsxnet<n>", ARPHRD_VOID): what an hsx,can node
 *				naming a controller of another kind sees;
 *   hsx,sim-channels = <n>;	optional, 1 to 4 (default 1): n interfaces
 *				under the one device, as a controller with
 *				several channels (R-Car CAN FD), which an hsx,can
 *				node must refuse.
 */
#include <linux/can.h>
#include <linux/can/can-ml.h>
#include <linux/can/skb.h>
#include <linux/device.h>
#include <linux/if_arp.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/skbuff.h>

#define SIM_NAME	"hsx-can-sim"
#define SIM_MAX_CHANNELS	4

/*
 * A frame sent: checked as a controller's driver does (a malformed one is
 * dropped and counted), counted with its payload's length, and echoed when
 * the CAN core asked for it (PACKET_LOOPBACK); an echo that cannot be made
 * is a drop.
 */
static netdev_tx_t sim_xmit(struct sk_buff *skb, struct net_device *dev)
{
	bool loop = skb->pkt_type == PACKET_LOOPBACK;
	unsigned int len;

	if (can_dropped_invalid_skb(dev, skb))
		return NETDEV_TX_OK;
	len = can_skb_get_data_len(skb);
	dev->stats.tx_packets++;
	dev->stats.tx_bytes += len;
	skb_tx_timestamp(skb);
	if (!loop) {
		consume_skb(skb);
		return NETDEV_TX_OK;
	}
	skb = can_create_echo_skb(skb);
	if (!skb) {
		dev->stats.tx_dropped++;
		return NETDEV_TX_OK;
	}
	dev->stats.rx_packets++;
	dev->stats.rx_bytes += len;
	skb->pkt_type = PACKET_BROADCAST;
	skb->dev = dev;
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	netif_rx(skb);
	return NETDEV_TX_OK;
}

/* Classic or FD frames, chosen while down, as vcan. */
static int sim_change_mtu(struct net_device *dev, int new_mtu)
{
	if (dev->flags & IFF_UP)
		return -EBUSY;
	if (new_mtu != CAN_MTU && new_mtu != CANFD_MTU)
		return -EINVAL;
	dev->mtu = new_mtu;
	return 0;
}

static const struct net_device_ops sim_netdev_ops = {
	.ndo_start_xmit = sim_xmit,
	.ndo_change_mtu = sim_change_mtu,
};

static void sim_setup(struct net_device *dev)
{
	dev->type = ARPHRD_CAN;
	dev->mtu = CANFD_MTU;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->tx_queue_len = 0;
	dev->flags = IFF_NOARP | IFF_ECHO;
	can_set_ml_priv(dev, netdev_priv(dev));
	dev->netdev_ops = &sim_netdev_ops;
}

static void sim_unregister(void *data)
{
	struct net_device *dev = data;

	unregister_netdev(dev);
	free_netdev(dev);
}

/* One interface of the device, unregistered when its driver goes. */
static int sim_add_channel(struct platform_device *pdev, bool not_can)
{
	struct net_device *dev;
	int ret;

	dev = alloc_netdev(sizeof(struct can_ml_priv), not_can ? "hsxnet%d" : "can%d",
			   NET_NAME_ENUM, sim_setup);
	if (!dev)
		return -ENOMEM;
	if (not_can)
		dev->type = ARPHRD_VOID;
	SET_NETDEV_DEV(dev, &pdev->dev);
	ret = register_netdev(dev);
	if (ret) {
		free_netdev(dev);
		return ret;
	}
	return devm_add_action_or_reset(&pdev->dev, sim_unregister, dev);
}

static int sim_probe(struct platform_device *pdev)
{
	bool not_can = device_property_read_bool(&pdev->dev, "hsx,sim-not-can");
	u32 channels = 1, i;
	int ret = 0;

	device_property_read_u32(&pdev->dev, "hsx,sim-channels", &channels);
	if (!channels || channels > SIM_MAX_CHANNELS)
		return dev_err_probe(&pdev->dev, -EINVAL, "hsx,sim-channels: 1 to %u\n",
				     SIM_MAX_CHANNELS);
	for (i = 0; i < channels && !ret; i++)
		ret = sim_add_channel(pdev, not_can);
	return ret;
}

static const struct of_device_id sim_of_match[] = {
	{ .compatible = "hsx,can-sim" },
	{}
};
MODULE_DEVICE_TABLE(of, sim_of_match);

static struct platform_driver sim_driver = {
	.probe = sim_probe,
	.driver = {
		.name = SIM_NAME,
		.of_match_table = sim_of_match,
	},
};
module_platform_driver(sim_driver);

MODULE_DESCRIPTION("HSX HAL simulated CAN controllers for tests");
MODULE_LICENSE("GPL");
