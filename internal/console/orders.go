package console

import "net/http"

// orderRoutes registers the routes of this screen.
func (s *Server) orderRoutes(mux *http.ServeMux) {
	_ = mux
}
