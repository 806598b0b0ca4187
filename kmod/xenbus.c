// SPDX-License-Identifier: GPL-2.0
/*
 * The xenbus backend driver for device type "fcapsule": one device per
 * app VM, probed when the toolstack writes backend/fcapsule/<domid>/0.
 *
 * Backend states (docs/protocol.md has the full handshake):
 *   probe -> InitWait (after writing "versions")
 *   frontend Initialised -> map, bind, register -> Connected
 *   frontend Closing -> disconnect -> Closing
 *   frontend Closed -> disconnect -> Closed (then, unless "online" is 1,
 *   the device is unregistered)
 *   frontend Initialising/Initialised while Closed -> InitWait (reconnect)
 *   frontend gone (Unknown) -> disconnect, unregister
 * Every state change the driver makes goes through fcback_set_state();
 * the only other writers are fcback_fatal() and xenbus_dev_fatal() (->
 * Closing) and the xenbus core after remove (-> Closed).
 *
 * A frontend can reconnect as often as it likes: messages about its
 * sessions are rate-limited, and so are its connect attempts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mm.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <xen/xenbus.h>

#include "fcback.h"

/* Connect attempts of one device: a burst, then this many per interval. */
#define FCBACK_CONNECT_INTERVAL (5 * HZ)
#define FCBACK_CONNECT_BURST 20

/*
 * fcback_fatal() without its unconditional kernel message: the
 * reason goes to error/<backend>/error ("<errno> <text>", as xenbus
 * writes it) and the backend goes Closing; the message is rate-limited,
 * as a frontend decides how often we get here.
 */
void fcback_fatal(struct xenbus_device *dev, int err, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;
	char *msg, *path;

	va_start(args, fmt);
	msg = kvasprintf(GFP_KERNEL, fmt, args);
	va_end(args);

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	dev_err_ratelimited(&dev->dev, "%d %pV\n", -err, &vaf);
	va_end(args);

	path = kasprintf(GFP_KERNEL, "error/%s", dev->nodename);
	if (path && msg)
		xenbus_printf(XBT_NIL, path, "error", "%i %s", -err, msg);
	kfree(path);
	kfree(msg);
	xenbus_switch_state(dev, XenbusStateClosing);
}

static int fcback_set_state(struct xenbus_device *dev,
			    enum xenbus_state state)
{
	int err;

	err = xenbus_switch_state(dev, state);
	if (err)
		fcback_fatal(dev, err, "switching to %s",
			     xenbus_strstate(state));
	return err;
}

/* Read the domain's name once; fall back to "dom<domid>". */
static void fcback_read_name(struct fcback_capsule *cap)
{
	char path[32];
	char *name;

	snprintf(path, sizeof(path), "/local/domain/%u", cap->domid);
	name = xenbus_read(XBT_NIL, path, "name", NULL);
	if (IS_ERR(name)) {
		snprintf(cap->name, sizeof(cap->name), "dom%u", cap->domid);
		return;
	}
	strscpy(cap->name, name, sizeof(cap->name));
	kfree(name);
}

static void fcback_post_conn_event(struct fcback_capsule *cap, u32 type)
{
	struct fc_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.domid = cap->domid;
	ev.app_id = cap->app_id;
	if (type == FC_EV_CONNECT) {
		ev.req_id = cap->parent_domid;
		strscpy(ev.payload, cap->name, FC_IOC_NAME_MAX);
	}
	fcback_event_post_conn(cap, &ev);
}

/* Read the frontend's keys, map and bind, register.  0 or -errno. */
static int fcback_connect(struct fcback_capsule *cap)
{
	struct xenbus_device *dev = cap->dev;
	unsigned int version, ring_ref, in_ring_ref, evtchn;
	int err;

	err = xenbus_scanf(XBT_NIL, dev->otherend, FC_XS_VERSION, "%u",
			   &version);
	if (err != 1) {
		err = err < 0 ? err : -EINVAL;
		fcback_fatal(dev, err, "reading %s/%s", dev->otherend,
				 FC_XS_VERSION);
		return err;
	}
	if (version != FC_PROTO_VERSION) {
		fcback_fatal(dev, -EPROTONOSUPPORT,
				 "frontend chose version %u, supported: %s",
				 version, FC_PROTO_VERSIONS);
		return -EPROTONOSUPPORT;
	}

	err = xenbus_gather(XBT_NIL, dev->otherend,
			    FC_XS_RING_REF, "%u", &ring_ref,
			    FC_XS_IN_RING_REF, "%u", &in_ring_ref,
			    FC_XS_EVTCHN, "%u", &evtchn, NULL);
	if (err) {
		fcback_fatal(dev, err, "reading %s/{%s,%s,%s}",
				 dev->otherend, FC_XS_RING_REF,
				 FC_XS_IN_RING_REF, FC_XS_EVTCHN);
		return err;
	}
	/* One page cannot be both rings: each side writes the other's. */
	if (ring_ref == in_ring_ref) {
		fcback_fatal(dev, -EINVAL, "%s and %s are both %u",
			     FC_XS_RING_REF, FC_XS_IN_RING_REF, ring_ref);
		return -EINVAL;
	}

	mutex_lock(&cap->conn_lock);
	if (cap->connected) {
		mutex_unlock(&cap->conn_lock);
		return 0;
	}
	cap->version = version;
	cap->parent_domid = xenbus_read_unsigned(dev->nodename, FC_XS_PARENT,
						 0);
	fcback_read_name(cap);

	err = fcback_area_connect(cap);
	if (err)
		goto out_unlock;
	err = fcback_ring_connect(cap, ring_ref, in_ring_ref);
	if (err)
		goto out_area_disconnect;
	/*
	 * Registered (app id, family) before the first event can arrive:
	 * the worker never sees a capsule without its identity.  IPC
	 * senders may find it now; its rings are mapped.
	 */
	fcback_registry_add(cap);
	err = fcback_ring_bind(cap, evtchn);
	if (err)
		goto out_registry_del;
	cap->connected = true;
	mutex_unlock(&cap->conn_lock);

	fcback_post_conn_event(cap, FC_EV_CONNECT);
	dev_info_ratelimited(&dev->dev, "connected: domid %u name %s app %llu\n",
			     cap->domid, cap->name, cap->app_id);
	return 0;

out_registry_del:
	fcback_registry_del(cap);
	fcback_ring_disconnect(cap);
	fcback_ipc_drop_queue(cap);
out_area_disconnect:
	fcback_area_disconnect(cap);
out_unlock:
	mutex_unlock(&cap->conn_lock);
	return err;
}

static void fcback_disconnect(struct fcback_capsule *cap)
{
	mutex_lock(&cap->conn_lock);
	if (!cap->connected) {
		mutex_unlock(&cap->conn_lock);
		return;
	}
	/* Out of the registry first: no IPC or ioctl reaches the rings... */
	fcback_registry_del(cap);
	/* ...once the senders that found it before are done with it. */
	fcback_ipc_wait_senders(cap);
	fcback_ring_disconnect(cap);
	fcback_area_disconnect(cap);
	/* Messages still queued for it will never be delivered: count. */
	fcback_ipc_drop_queue(cap);
	cap->connected = false;
	mutex_unlock(&cap->conn_lock);

	fcback_post_conn_event(cap, FC_EV_DISCONNECT);
	dev_info_ratelimited(&cap->dev->dev,
			     "disconnected: domid %u app %llu\n",
			     cap->domid, cap->app_id);
}

static int fcback_probe(struct xenbus_device *dev,
			const struct xenbus_device_id *id)
{
	struct fcback_capsule *cap;
	int err;

	cap = kzalloc(sizeof(*cap), GFP_KERNEL);
	if (!cap) {
		fcback_fatal(dev, -ENOMEM, "allocating backend state");
		return -ENOMEM;
	}
	cap->dev = dev;
	cap->domid = dev->otherend_id;
	mutex_init(&cap->conn_lock);
	INIT_LIST_HEAD(&cap->node);
	init_waitqueue_head(&cap->ipc_wq);
	ratelimit_state_init(&cap->connect_rs, FCBACK_CONNECT_INTERVAL,
			     FCBACK_CONNECT_BURST);
	ratelimit_set_flags(&cap->connect_rs, RATELIMIT_MSG_ON_RELEASE);
	fcback_ring_init_capsule(cap);
	cap->ipcq = kvcalloc(FCBACK_IPCQ_LEN, sizeof(*cap->ipcq), GFP_KERNEL);
	if (!cap->ipcq) {
		fcback_fatal(dev, -ENOMEM, "allocating the IPC queue");
		kfree(cap);
		return -ENOMEM;
	}
	dev_set_drvdata(&dev->dev, cap);

	err = xenbus_printf(XBT_NIL, dev->nodename, FC_XS_VERSIONS, "%s",
			    FC_PROTO_VERSIONS);
	if (err) {
		fcback_fatal(dev, err, "writing %s/%s", dev->nodename,
				 FC_XS_VERSIONS);
		goto out_free_cap;
	}

	err = fcback_set_state(dev, XenbusStateInitWait);
	if (err)
		goto out_free_cap;
	return 0;

out_free_cap:
	dev_set_drvdata(&dev->dev, NULL);
	kvfree(cap->ipcq);
	kfree(cap);
	return err;
}

/*
 * Device removal: the domain is gone, the toolstack removed the device, or
 * the device is unbound from the driver (before rmmod).  In the last case
 * the frontend is still there: tell it we are going (Closing), tear down,
 * and leave it Closed.
 */
static void fcback_remove(struct xenbus_device *dev)
{
	struct fcback_capsule *cap = dev_get_drvdata(&dev->dev);

	if (!cap)
		return;
	if (dev->state == XenbusStateConnected)
		fcback_set_state(dev, XenbusStateClosing);
	fcback_disconnect(cap);
	if (dev->state != XenbusStateClosed)
		fcback_set_state(dev, XenbusStateClosed);
	dev_set_drvdata(&dev->dev, NULL);
	kvfree(cap->ipcq);
	kfree(cap);
}

static void fcback_frontend_changed(struct xenbus_device *dev,
				    enum xenbus_state frontend_state)
{
	struct fcback_capsule *cap = dev_get_drvdata(&dev->dev);

	dev_dbg(&dev->dev, "frontend %s, backend %s\n",
		xenbus_strstate(frontend_state), xenbus_strstate(dev->state));

	switch (frontend_state) {
	case XenbusStateInitialising:
		if (dev->state == XenbusStateClosed)
			fcback_set_state(dev, XenbusStateInitWait);
		break;

	case XenbusStateInitialised:
		/* Watches may coalesce Initialising into Initialised. */
		if (dev->state == XenbusStateClosed &&
		    fcback_set_state(dev, XenbusStateInitWait))
			break;
		if (dev->state != XenbusStateInitWait)
			break;
		if (!__ratelimit(&cap->connect_rs)) {
			fcback_fatal(dev, -EBUSY, "reconnecting too often");
			break;
		}
		if (fcback_connect(cap))
			break;
		/*
		 * Serve only once Connected is written: a fatal error found
		 * by the worker (-> Closing) then comes after it, never
		 * under it.
		 */
		if (!fcback_set_state(dev, XenbusStateConnected))
			fcback_ring_start(cap);
		break;

	case XenbusStateConnected:
		/*
		 * Either the frontend saw our Connected, or it is a session
		 * from before this backend (re)started: it must re-initialise
		 * its rings and go Initialised again (docs/protocol.md).
		 */
		break;

	case XenbusStateClosing:
		fcback_disconnect(cap);
		fcback_set_state(dev, XenbusStateClosing);
		break;

	case XenbusStateClosed:
		fcback_disconnect(cap);
		fcback_set_state(dev, XenbusStateClosed);
		if (xenbus_dev_is_online(dev))
			break;
		fallthrough;
	case XenbusStateUnknown:
		/* The frontend is gone (or closed for good). */
		fcback_disconnect(cap);
		device_unregister(&dev->dev);
		break;

	default:
		fcback_fatal(dev, -EINVAL, "unexpected frontend state %d",
				 frontend_state);
		break;
	}
}

static const struct xenbus_device_id fcback_ids[] = {
	{ FCBACK_DRV_NAME },
	{ "" }
};

static struct xenbus_driver fcback_driver = {
	.ids = fcback_ids,
	.probe = fcback_probe,
	.remove = fcback_remove,
	.otherend_changed = fcback_frontend_changed,
};

int fcback_xenbus_init(void)
{
	return xenbus_register_backend(&fcback_driver);
}

/* Removes every still-bound device (none if rmmod got this far). */
void fcback_xenbus_fini(void)
{
	xenbus_unregister_driver(&fcback_driver);
}
