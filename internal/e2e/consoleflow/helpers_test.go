package consoleflow_test

import "github.com/colorme-sync/colorme-sync/internal/sandbox"

func sandboxClient(id, secret, redirect string) sandbox.OAuthClient {
	return sandbox.OAuthClient{ID: id, Secret: secret, RedirectURI: redirect}
}
