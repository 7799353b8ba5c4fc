package console

import "net/http"

// runRoutes registers the routes of this screen.
func (s *Server) runRoutes(mux *http.ServeMux) {
	_ = mux
}
