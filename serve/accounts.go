package serve

import (
	"container/list"
	"crypto/sha256"
	"errors"
	"sync"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/tools"
)

// accountCache keeps the accounts of the callers' keys, the most recently
// used maxAccounts of them, so that each key keeps one client with one
// rate limiter and one names cache.
type accountCache struct {
	newClient func(string) (*client.Client, error)
	max       int

	mu    sync.Mutex
	byKey map[[32]byte]*list.Element // sha256 of the key -> element of order
	order *list.List                 // of *cachedAccount, most recent first
}

type cachedAccount struct {
	key     [32]byte
	account *tools.Account
}

func newAccountCache(max int, newClient func(string) (*client.Client, error)) *accountCache {
	return &accountCache{newClient: newClient, max: max, byKey: map[[32]byte]*list.Element{}, order: list.New()}
}

// get returns the account of key, making it on first use. Errors never
// show the key.
func (c *accountCache) get(key string) (*tools.Account, error) {
	sum := sha256.Sum256([]byte(key))
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[sum]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cachedAccount).account, nil
	}
	if c.newClient == nil {
		return nil, errors.New("this server does not take callers' keys")
	}
	cl, err := c.newClient(key)
	if err != nil {
		return nil, err
	}
	c.byKey[sum] = c.order.PushFront(&cachedAccount{sum, tools.NewAccount(cl)})
	if c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.byKey, oldest.Value.(*cachedAccount).key)
	}
	return c.byKey[sum].Value.(*cachedAccount).account, nil
}
