package serve

import (
	"container/list"
	"crypto/sha256"
	"errors"
	"sync"
)

// accountCache keeps the accounts of the callers' keys, the most recently
// used maxAccounts of them, so that each key keeps one account (in
// openphone-mcp: one client, one rate limiter and one names cache).
type accountCache struct {
	newAccount func(string) (Account, error)
	max        int
	onSize     func(int) // told the size as it changes; may be nil

	mu    sync.Mutex
	byKey map[[32]byte]*list.Element // sha256 of the key -> element of order
	order *list.List                 // of *cachedAccount, most recent first
}

type cachedAccount struct {
	key     [32]byte
	account Account
}

func newAccountCache(max int, newAccount func(string) (Account, error), onSize func(int)) *accountCache {
	if onSize == nil {
		onSize = func(int) {}
	}
	return &accountCache{newAccount: newAccount, max: max, onSize: onSize, byKey: map[[32]byte]*list.Element{}, order: list.New()}
}

// get returns the account of key, making it on first use. Errors never
// show the key.
func (c *accountCache) get(key string) (Account, error) {
	sum := sha256.Sum256([]byte(key))
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[sum]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cachedAccount).account, nil
	}
	if c.newAccount == nil {
		return nil, errors.New("this server does not take callers' keys")
	}
	a, err := c.newAccount(key)
	if err != nil {
		return nil, err
	}
	c.byKey[sum] = c.order.PushFront(&cachedAccount{sum, a})
	if c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.byKey, oldest.Value.(*cachedAccount).key)
	}
	c.onSize(c.order.Len())
	return c.byKey[sum].Value.(*cachedAccount).account, nil
}
